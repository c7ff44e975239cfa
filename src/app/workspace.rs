//! The repository as the commands see it: configuration, components and their files.

use std::path::PathBuf;

use anyhow::anyhow;

use super::{RunEnv, Stop};
use crate::adapters::fs::{FsError, RepoDir, MAX_CHANGELOG, MAX_SMALL_FILE};
use crate::app::RepoRequest;
use crate::domain::config::{parse_config, ChangelogMode, Config, DEFAULT_CONFIG_PATH};
use crate::domain::diagnostic::Diagnostic;
use crate::domain::name::check_name;

/// A releasable component: a chart, or a name declared in the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Component {
    /// Its name.
    pub name: String,
    /// The chart directory, for charts.
    pub chart_dir: Option<String>,
    /// The changelog path.
    pub changelog: String,
    /// The files whose versions must all equal the released version.
    pub version_files: Vec<String>,
}

impl Component {
    /// `…/Chart.yaml`, for charts.
    pub fn chart_path(&self) -> Option<String> {
        self.chart_dir.as_ref().map(|d| format!("{d}/Chart.yaml"))
    }
}

/// The repository, its configuration and its components.
#[derive(Debug)]
pub struct Workspace {
    /// The working tree.
    pub repo: RepoDir,
    /// The configuration (defaults when there is no file).
    pub config: Config,
    /// Where charts live.
    pub charts_dir: String,
    /// Components, sorted by name.
    pub components: Vec<Component>,
    /// Chart directories whose names are not valid component names.
    pub bad_chart_dirs: Vec<String>,
    /// Charts whose `name:` an earlier chart already has: name, first directory, this one.
    pub duplicates: Vec<(String, String, String)>,
}

/// The repository directory a command works on.
pub fn repo_root(common: &RepoRequest, env: &RunEnv) -> PathBuf {
    match (&common.repo, env.var("GITHUB_WORKSPACE")) {
        (Some(dir), _) if dir.is_absolute() => dir.clone(),
        (Some(dir), _) => env.cwd.join(dir),
        (None, Some(ws)) => PathBuf::from(ws),
        (None, None) => env.cwd.clone(),
    }
}

/// Gives every finding with a file and a line the text of that line, for the snippet the
/// terminal shows. Files are read once each, confined to the repository and size-limited; a
/// file that cannot be read (outside the repository, gone, too large) just has no snippet.
pub fn attach_sources(common: &RepoRequest, env: &RunEnv, diagnostics: &mut [Diagnostic]) {
    let Ok(repo) = RepoDir::open(&repo_root(common, env)) else {
        return;
    };
    let mut texts: std::collections::BTreeMap<String, Option<String>> = Default::default();
    for d in diagnostics.iter_mut() {
        let (Some(file), Some(_)) = (&d.file, d.line) else {
            continue;
        };
        let text = texts
            .entry(file.clone())
            .or_insert_with(|| repo.read(file, MAX_CHANGELOG).ok().flatten());
        if let Some(text) = text {
            d.attach_source(text);
        }
    }
}

/// Opens the repository and reads its configuration: the repository, the configuration
/// (defaults when there is no file) and the configuration's path as the messages name it.
pub fn load_config(common: &RepoRequest, env: &RunEnv) -> Result<(RepoDir, Config, String), Stop> {
    let root = repo_root(common, env);
    let repo = RepoDir::open(&root).map_err(|e| {
        Stop::Usage(format!(
            "`--repo {}` is not a readable directory: {e}",
            root.display()
        ))
    })?;
    let (config_path, explicit) = match &common.config {
        Some(p) => (p.clone(), true),
        None => (DEFAULT_CONFIG_PATH.to_owned(), false),
    };
    // A `--config` (or `config` input) a person typed may be absolute or lie outside the
    // repository; the default path is the repository's and stays confined to it.
    let text = if explicit {
        repo.read_typed(&config_path, 1024 * 1024)
    } else {
        repo.read(&config_path, 1024 * 1024)
    }
    .map_err(|e| Stop::Usage(format!("configuration: {e}")))?;
    let config = match text {
        Some(text) => parse_config(&text).map_err(|e| {
            let place = e
                .line
                .map(|l| format!("{config_path}:{l}"))
                .unwrap_or(config_path.clone());
            let mut help = e.help.clone();
            help.push("every key is described in docs/configuration.md".into());
            Stop::UsageHelp {
                message: format!("{place}: {}", e.message),
                help,
            }
        })?,
        None if explicit => {
            return Err(Stop::Usage(format!(
                "the configuration file `{config_path}` does not exist"
            )))
        }
        None => Config::default(),
    };
    Ok((repo, config, config_path))
}

impl Workspace {
    /// Opens the repository and reads the configuration.
    pub fn load(common: &RepoRequest, env: &RunEnv) -> Result<Self, Stop> {
        let (repo, config, config_path) = load_config(common, env)?;
        Self::with_config(repo, config, &config_path)
    }

    /// The repository at `repo` read with `config` (for a base revision laid out on disk, which
    /// is judged by the head's configuration).
    pub fn with_config(repo: RepoDir, config: Config, config_path: &str) -> Result<Self, Stop> {
        let charts_dir = match &config.charts_dir {
            Some(d) => d.clone(),
            None if repo
                .list_dirs("helm/charts")
                .map(|d| !d.is_empty())
                .unwrap_or(false) =>
            {
                "helm/charts".to_owned()
            }
            None if repo
                .list_dirs("charts")
                .map(|d| !d.is_empty())
                .unwrap_or(false) =>
            {
                "charts".to_owned()
            }
            None => "helm/charts".to_owned(),
        };
        let mut components: Vec<Component> = Vec::new();
        let mut bad_chart_dirs = Vec::new();
        let mut duplicates = Vec::new();
        for dir in repo.list_dirs(&charts_dir).map_err(fs_stop)? {
            let chart_dir = format!("{charts_dir}/{dir}");
            let chart_path = format!("{chart_dir}/Chart.yaml");
            if !repo.exists(&chart_path) {
                continue;
            }
            // A chart is known by its `name:`, as Helm and chart-releaser know it; the directory
            // name stands in only when Chart.yaml has no usable name (`check` reports that).
            let declared = repo
                .read(&chart_path, MAX_SMALL_FILE)
                .ok()
                .flatten()
                .and_then(|text| crate::domain::chart::chart_name(&text, &chart_path))
                .filter(|name| check_name(name).is_ok());
            let name = match declared {
                Some(name) => name,
                None if check_name(&dir).is_ok() => dir,
                None => {
                    bad_chart_dirs.push(chart_dir);
                    continue;
                }
            };
            if let Some(first) = components.iter().find(|c| c.name == name) {
                duplicates.push((name, first.chart_dir.clone().unwrap_or_default(), chart_dir));
                continue;
            }
            let own = format!("{chart_dir}/CHANGELOG.md");
            let changelog = if config.changelog != ChangelogMode::Root && repo.exists(&own) {
                own
            } else {
                "CHANGELOG.md".to_owned()
            };
            components.push(Component {
                name,
                version_files: vec![chart_path],
                chart_dir: Some(chart_dir),
                changelog,
            });
        }
        for (name, declared) in &config.components {
            let existing = components.iter().position(|c| &c.name == name);
            let component = match existing {
                Some(i) => &mut components[i],
                None => {
                    components.push(Component {
                        name: name.clone(),
                        chart_dir: None,
                        changelog: "CHANGELOG.md".to_owned(),
                        version_files: Vec::new(),
                    });
                    components
                        .last_mut()
                        .ok_or_else(|| Stop::Failure(anyhow!("internal: component list")))?
                }
            };
            if let Some(c) = &declared.changelog {
                component.changelog = c.clone();
            }
            for f in &declared.version_files {
                if !component.version_files.contains(f) {
                    component.version_files.push(f.clone());
                }
            }
        }
        components.sort_by(|a, b| a.name.cmp(&b.name));
        if let Some(latest) = &config.latest_component {
            if !components.iter().any(|c| &c.name == latest) {
                return Err(Stop::Usage(format!(
                    "{config_path}: `latest-component` is `{latest}`, which is neither a chart nor a declared component"
                )));
            }
        }
        Ok(Self {
            repo,
            config,
            charts_dir,
            components,
            bad_chart_dirs,
            duplicates,
        })
    }

    /// The component names, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.components.iter().map(|c| c.name.as_str())
    }

    /// The component called `name`.
    pub fn component(&self, name: &str) -> Option<&Component> {
        self.components.iter().find(|c| c.name == name)
    }

    /// Reads a small (YAML, version) file; hostile files are findings.
    pub fn read_small(&self, path: &str) -> Result<Option<String>, Stop> {
        self.repo.read(path, MAX_SMALL_FILE).map_err(fs_stop)
    }

    /// Reads a changelog; hostile files are findings.
    pub fn read_changelog(&self, path: &str) -> Result<Option<String>, Stop> {
        self.repo.read(path, MAX_CHANGELOG).map_err(fs_stop)
    }

    /// Reads a changelog at a path a person typed (`notes --changelog`), which may be absolute
    /// or outside the repository (see [`RepoDir::read_typed`]).
    pub fn read_typed_changelog(&self, path: &str) -> Result<Option<String>, Stop> {
        self.repo.read_typed(path, MAX_CHANGELOG).map_err(fs_stop)
    }

    /// The path of an environment's bill of materials.
    pub fn bom_path(&self, env: &str) -> String {
        format!("{}/{env}.yaml", self.config.releases_dir)
    }

    /// An unknown-component finding with the known names and a suggestion.
    pub fn unknown_component(&self, name: &str, code: &'static str) -> Diagnostic {
        let known: Vec<&str> = self.names().collect();
        let mut d =
            Diagnostic::error(code, format!("unknown component `{name}`")).with_help(format!(
                "known: {}",
                if known.is_empty() {
                    "(none found)".to_owned()
                } else {
                    known.join(", ")
                }
            ));
        if let Some(s) = crate::domain::name::did_you_mean(name, known) {
            d = d.with_help(format!("did you mean `{s}`?"));
        }
        d
    }
}

/// Maps a filesystem error: a hostile or malformed file is a finding, anything else a failure.
pub fn fs_stop(e: FsError) -> Stop {
    if e.is_finding() {
        let mut d = Diagnostic::error("file/refused", e.to_string()).in_file(e.path());
        if let Some(line) = e.line() {
            d = d.at_line(line);
        }
        let help = match &e {
            FsError::OutsideRepository { .. } => "files are only read and written inside the repository; replace the symlink with the file",
            FsError::TooLarge { .. } => "split or shorten the file",
            FsError::NotUtf8 { .. } => "save the file as UTF-8",
            FsError::Io { .. } => "",
        };
        Stop::findings(vec![d.with_help(help)])
    } else {
        Stop::Failure(anyhow::Error::new(e))
    }
}

impl Workspace {
    /// Each environment's pinned chart versions, read from the working tree's BOMs. A BOM that
    /// cannot be read is left out here (`check` reports it).
    pub fn deployed(&self) -> Vec<(String, std::collections::BTreeMap<String, String>)> {
        self.config
            .environments
            .iter()
            .map(|env| {
                let path = self.bom_path(env);
                let charts = self
                    .repo
                    .read(&path, crate::adapters::fs::MAX_SMALL_FILE)
                    .ok()
                    .flatten()
                    .and_then(|text| crate::domain::bom::parse_bom(&text, &path).ok())
                    .map(|bom| bom.charts)
                    .unwrap_or_default();
                (env.clone(), charts)
            })
            .collect()
    }

    /// The job summary's environment table for `components` (versions from `deployed`, one
    /// entry per environment) and the Mermaid diagram of the promotion path, with the single
    /// component's versions when there is one.
    pub fn render_environments(
        &self,
        components: &[&str],
        deployed: &[(String, std::collections::BTreeMap<String, String>)],
    ) -> String {
        use crate::report::{md_cell, render_mermaid};
        let mut md = String::from("\n| component |");
        for (env, _) in deployed {
            md.push_str(&format!(" `{env}` |"));
        }
        md.push_str("\n|---|");
        md.push_str(&"---|".repeat(deployed.len()));
        md.push('\n');
        for c in components {
            md.push_str(&format!("| {} |", md_cell(c)));
            for (_, charts) in deployed {
                md.push_str(&format!(
                    " {} |",
                    charts
                        .get(*c)
                        .map(|v| md_cell(v))
                        .unwrap_or_else(|| "—".into())
                ));
            }
            md.push('\n');
        }
        let nodes: Vec<(String, Option<String>)> = deployed
            .iter()
            .map(|(env, charts)| {
                let label = match components {
                    [one] => charts.get(*one).cloned(),
                    _ => Some(format!("{} chart(s)", charts.len())),
                };
                (env.clone(), label)
            })
            .collect();
        md.push('\n');
        md.push_str(&render_mermaid(&nodes, None));
        md
    }
}
