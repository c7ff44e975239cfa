//! `promote` through the GitHub API: the promotion as a [`Publisher`] whose plan is read from
//! the base branch head (never from a possibly stale checkout) and published on
//! `release-action/promote/<chart>-<to>` by the engine.

use super::{outcome_for, plan_promotion, render_plan_text, PromoteRequest};
use crate::adapters::fs::{MAX_CHANGELOG, MAX_SMALL_FILE};
use crate::app::publish::{Draft, Publication, Publisher, PullSpec, Reading};
use crate::app::workspace::Workspace;
use crate::app::{RunEnv, Stop};

/// A promotion, planned on what the engine read.
pub struct PromoteJob<'a> {
    /// The workspace (configuration and components).
    pub ws: &'a Workspace,
    /// The request.
    pub req: &'a PromoteRequest,
    /// The process environment.
    pub env: &'a RunEnv,
}

impl PromoteJob<'_> {
    /// The environment the chart comes from, when soak time applies to it.
    fn soaking_source(&self) -> Option<String> {
        let from = super::source_environment(self.ws, self.req)?;
        self.ws.config.soak.contains_key(&from).then_some(from)
    }
}

impl Publisher for PromoteJob<'_> {
    fn branch(&self) -> String {
        super::branch_name(self.req)
    }

    fn wanted(&self) -> Vec<(String, u64)> {
        let ws = self.ws;
        let mut wanted: Vec<(String, u64)> = ws
            .config
            .environments
            .iter()
            .map(|e| (ws.bom_path(e), MAX_SMALL_FILE))
            .collect();
        if let Some(c) = ws.component(&self.req.chart) {
            wanted.extend(c.chart_path().map(|p| (p, MAX_SMALL_FILE)));
            wanted.push((c.changelog.clone(), MAX_CHANGELOG));
        }
        wanted
    }

    fn last_change_of(&self) -> Option<String> {
        self.soaking_source().map(|from| self.ws.bom_path(&from))
    }

    fn plan(&self, reading: &Reading) -> Result<Draft, Stop> {
        let soak = self.soaking_source().and(reading.last_change).map(|d| {
            let secs = (self.env.now - d.unix_timestamp()).max(0);
            std::time::Duration::from_secs(u64::try_from(secs).unwrap_or(0))
        });
        let read = |p: &str| Ok(reading.files.get(p).cloned());
        let prefix = format!("{}/history/", self.ws.config.releases_dir);
        let history: Vec<String> = reading
            .paths
            .iter()
            .filter(|p| p.starts_with(&prefix))
            .cloned()
            .collect();
        let plan = plan_promotion(self.ws, self.req, self.env, read, read, soak, &history)?;
        let mut outcome = outcome_for(&plan);
        let d = &plan.decision;
        if d.already_done {
            outcome.log.push(format!(
                "`{}` already runs `{}` {}: nothing to do",
                d.to, d.chart, d.version
            ));
            return Ok(Draft::Nothing(outcome));
        }
        let message = format!(
            "{}\n\n{}\n",
            plan.title,
            plan.changes
                .iter()
                .map(|c| format!("- {}: {}", c.path, c.why))
                .collect::<Vec<_>>()
                .join("\n")
        );
        // Same base, chart, path and version: the same plan.
        let plan_id = format!(
            "{}\n{}\n{}\n{}\n{}",
            reading.base_sha,
            d.chart,
            d.from.as_deref().unwrap_or("-"),
            d.to,
            d.version
        );
        let pull = PullSpec {
            branch: plan.branch.clone(),
            base: reading.base_branch.clone(),
            title: plan.title.clone(),
            body: plan.body.clone(),
            draft: plan.draft,
            labels: self.ws.config.labels.clone(),
            reviewers: self
                .ws
                .config
                .reviewers
                .get(&d.to)
                .cloned()
                .unwrap_or_default(),
        };
        Ok(Draft::Publish(Box::new(Publication {
            outcome,
            preview: render_plan_text(&plan, true),
            changes: plan.changes,
            message,
            plan_id,
            pull,
        })))
    }
}
