//! The stage registry: every stage a config may name, in its default order, with how to build it. A stage is
//! named here once; the config's list of known stages, its validation and the scan's stage list all come
//! from this table, so a name that is not here is an error, never a stage silently skipped.
//!
//! Adding a per-document stage: its own file (the [`Stage`] implementation and its config), and one line
//! in [`STAGES`].

use std::sync::Arc;

use crate::clean::site_table::SiteLines;
use crate::normalize::KeySpec;
use crate::{Config, Error, Result, Stage};

/// What the scan hands a stage's constructor.
pub(crate) struct BuildCx<'a> {
    /// The run's configuration.
    pub config: &'a Config,
    /// The key form the stage should read (normalised or not, by the stage's place in the list).
    pub key: KeySpec,
    /// The site table, when `lines-count` built one.
    pub site_lines: Option<Arc<SiteLines>>,
}

/// How a registered stage runs.
pub(crate) enum Kind {
    /// Once per document, in the scan.
    PerDocument(fn(&BuildCx<'_>) -> Result<Box<dyn Stage>>),
    /// A global step of the pipeline (`cluster`, `near`, `story` …), not a per-document stage.
    Global,
}

/// Every stage, in the default order.
pub(crate) const STAGES: &[(&str, Kind)] = &[
    (
        "normalize",
        Kind::PerDocument(|_| Ok(Box::new(crate::normalize::Normalize))),
    ),
    ("clean", Kind::PerDocument(build_clean)),
    (
        "filter.language",
        Kind::PerDocument(|cx| {
            Ok(Box::new(crate::filter::language::Language::from_config(
                &cx.config.filter.language,
            )))
        }),
    ),
    (
        "filter.gopher_quality",
        Kind::PerDocument(|cx| {
            Ok(Box::new(crate::filter::gopher_quality::GopherQuality::from_config(
                &cx.config.filter.gopher_quality,
                cx.key,
            )))
        }),
    ),
    (
        "filter.gopher_repetition",
        Kind::PerDocument(|cx| {
            Ok(Box::new(
                crate::filter::gopher_repetition::GopherRepetition::from_config(
                    &cx.config.filter.gopher_repetition,
                    cx.key,
                ),
            ))
        }),
    ),
    (
        "filter.fineweb_quality",
        Kind::PerDocument(|cx| {
            Ok(Box::new(crate::filter::fineweb_quality::FinewebQuality::from_config(
                &cx.config.filter.fineweb_quality,
                cx.key,
            )))
        }),
    ),
    (
        "filter.aramix_punctuation",
        Kind::PerDocument(|cx| {
            Ok(Box::new(
                crate::filter::aramix_punctuation::AramixPunctuation::from_config(&cx.config.filter.aramix_punctuation),
            ))
        }),
    ),
    ("dedup.exact", Kind::Global),
    ("dedup.near", Kind::Global),
    (crate::story::STAGE, Kind::Global),
];

fn build_clean(cx: &BuildCx<'_>) -> Result<Box<dyn Stage>> {
    let stage =
        crate::clean::Clean::from_config(&cx.config.clean, cx.key, cx.site_lines.clone()).map_err(Error::Config)?;
    Ok(Box::new(stage))
}

/// Every registered name, in the default order.
pub(crate) fn names() -> impl Iterator<Item = &'static str> {
    STAGES.iter().map(|(name, _)| *name)
}

/// The registered stage called `name`.
pub(crate) fn lookup(name: &str) -> Result<&'static Kind> {
    STAGES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, kind)| kind)
        .ok_or_else(|| {
            Error::Config(format!(
                "unknown stage {name:?} (known: {})",
                names().collect::<Vec<_>>().join(", ")
            ))
        })
}

/// The per-document stages the config names, in its order (dedup stages are pipeline steps).
pub(crate) fn build_stages(config: &Config, site_lines: Option<Arc<SiteLines>>) -> Result<Vec<Box<dyn Stage>>> {
    let at = |s: &str| config.stages.iter().position(|x| x == s);
    let mut stages = Vec::new();
    for name in &config.stages {
        let Kind::PerDocument(build) = lookup(name)? else {
            continue;
        };
        let cx = BuildCx {
            config,
            key: KeySpec {
                opts: config.key,
                normalized: matches!((at("normalize"), at(name)), (Some(n), Some(i)) if n < i),
            },
            site_lines: site_lines.clone(),
        };
        let stage = build(&cx)?;
        if stage.name() != name {
            return Err(Error::Config(format!(
                "internal: the stage registered as {name:?} calls itself {:?}",
                stage.name()
            )));
        }
        stages.push(stage);
    }
    Ok(stages)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_registered_stage_builds_under_its_own_name() {
        let mut config = Config {
            stages: names().map(str::to_owned).collect(),
            ..Config::default()
        };
        let built = build_stages(&config, None).expect("every stage builds");
        let per_doc = STAGES.iter().filter(|(_, k)| matches!(k, Kind::PerDocument(_))).count();
        assert_eq!(built.len(), per_doc);
        config.stages = vec!["normalize".into(), "filter.bogus".into()];
        let err = build_stages(&config, None).err().expect("an unknown stage is an error");
        assert!(err.to_string().contains("filter.bogus"), "{err}");
    }
}
