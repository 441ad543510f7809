//! `[ranking]` and the per-source `weight`: the weights that order search results.
//!
//! They live in `sources.toml` beside the sources because editors tune them together (a
//! source's weight is part of curating it); the indexer applies them at query time, so a
//! change needs no re-indexing, only a restart.

use agora_indexer::RankingSettings;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::{Checker, Value};

/// The keys of `[ranking]`.
pub(super) const RANKING_KEYS: &[&str] = &[
    "title_boost",
    "summary_boost",
    "body_boost",
    "concept_title_boost",
    "concept_body_boost",
    "typo_factor",
    "feedback_factor",
    "other_language_factor",
    "recency_weight",
    "recency_half_life",
];

/// The largest boost accepted: past it one field would drown every other signal.
const MAX_BOOST: f64 = 100.0;

/// The largest source weight accepted.
pub(super) const MAX_SOURCE_WEIGHT: f64 = 10.0;

impl Checker {
    pub(super) fn ranking_settings(&mut self, value: &Value<'_>) -> RankingSettings {
        let mut settings = RankingSettings::default();
        let DeValue::Table(table) = value.get_ref() else {
            self.report(value.span(), "[ranking] must be a table".to_string());
            return settings;
        };
        self.reject_unknown_keys(table, RANKING_KEYS, "[ranking]");

        let boosts = [
            ("title_boost", &mut settings.title_boost),
            ("summary_boost", &mut settings.summary_boost),
            ("body_boost", &mut settings.body_boost),
            ("concept_title_boost", &mut settings.concept_title_boost),
            ("concept_body_boost", &mut settings.concept_body_boost),
        ];
        for (key, slot) in boosts {
            if let Some(number) = self.number_in(table, key, 0.0, MAX_BOOST) {
                *slot = number as f32;
            }
        }
        for (key, slot) in [
            ("typo_factor", &mut settings.typo_factor),
            ("feedback_factor", &mut settings.feedback_factor),
            ("other_language_factor", &mut settings.other_language_factor),
        ] {
            if let Some(number) = self.number_in(table, key, 0.0, 1.0) {
                *slot = number as f32;
            }
        }
        if let Some(number) = self.number_in(table, "recency_weight", 0.0, 10.0) {
            settings.recency_weight = number as f32;
        }
        if let Some(half_life) = self.duration(table, "recency_half_life") {
            settings.recency_half_life_days = (half_life.as_secs_f64() / 86_400.0) as f32;
        }
        settings
    }

    /// Reads a number (integer or float) that must lie within `min..=max`.
    pub(super) fn number_in(
        &mut self,
        table: &DeTable<'_>,
        key: &str,
        min: f64,
        max: f64,
    ) -> Option<f64> {
        let value: &Spanned<DeValue<'_>> = table.get(key)?;
        let number = match value.get_ref() {
            DeValue::Float(float) => float.as_str().replace('_', "").parse::<f64>().ok(),
            DeValue::Integer(integer) => i64::from_str_radix(integer.as_str(), integer.radix())
                .ok()
                .map(|n| n as f64),
            _ => None,
        };
        match number {
            Some(number) if number.is_finite() && (min..=max).contains(&number) => Some(number),
            _ => {
                self.report(
                    value.span(),
                    format!("`{key}` must be a number from {min} to {max}"),
                );
                None
            }
        }
    }
}
