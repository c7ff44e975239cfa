//! `fake-github`: the fake as a standalone server, for a client in another
//! process (`.ci/container` runs the release binary in an empty root against
//! it).
//!
//! It seeds one repository from a directory, optionally tags its head and opens
//! a pull request, listens on a free loopback port, writes what a client needs
//! to know (the API URL, the seed commit, the pull request) as JSON to
//! `--info`, and serves until it is killed. The state can be read back at
//! `GET /_fake/state` ([`fake_github::ADMIN_STATE_PATH`]).
//!
//! ```text
//! fake-github --seed examples/demo --tag v2.4.1-walking-skeleton \
//!     --pull feature=changes/ --token ghs_x --info /tmp/fake.json
//! ```

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use fake_github::time::{Duration, OffsetDateTime};
use fake_github::{FakeGitHub, PullSeed};
use serde_json::json;

const USAGE: &str = "\
usage: fake-github --seed DIR [--repo OWNER/NAME] [--branch NAME] [--seed-age DAYS]
                   [--tag NAME]... [--pull BRANCH=DIR] [--token TOKEN] [--info FILE]

  --seed DIR         the files of the first commit on the default branch (`.git` excluded)
  --repo OWNER/NAME  the repository (default `octo/shop`)
  --branch NAME      its default branch (default `main`)
  --seed-age DAYS    how many days ago the seed commit was made (default 10)
  --tag NAME         an annotated tag of the default branch's head, a day old (repeatable)
  --pull BRANCH=DIR  a branch off the default branch with DIR's files committed on top,
                     and an open pull request from it into the default branch
  --token TOKEN      accept only this token (default: any token)
  --info FILE        once listening, write the API URL, the seed commit and the pull
                     request as JSON to FILE (written whole, then renamed into place)

Serves on a free 127.0.0.1 port until killed; `GET /_fake/state` answers the state.
";

/// What the command line asks for.
struct Args {
    seed: PathBuf,
    owner: String,
    repo: String,
    branch: String,
    seed_age_days: i64,
    tags: Vec<String>,
    pull: Option<(String, PathBuf)>,
    token: Option<String>,
    info: Option<PathBuf>,
}

fn parse_args(mut argv: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut seed = None;
    let mut full_name = "octo/shop".to_string();
    let mut branch = "main".to_string();
    let mut seed_age_days = 10;
    let mut tags = Vec::new();
    let mut pull = None;
    let mut token = None;
    let mut info = None;
    while let Some(flag) = argv.next() {
        let mut value = || argv.next().ok_or_else(|| format!("`{flag}` needs a value"));
        match flag.as_str() {
            "--seed" => seed = Some(PathBuf::from(value()?)),
            "--repo" => full_name = value()?,
            "--branch" => branch = value()?,
            "--seed-age" => {
                let v = value()?;
                seed_age_days = v
                    .parse()
                    .map_err(|_| format!("`--seed-age` takes a number of days, not `{v}`"))?;
            }
            "--tag" => tags.push(value()?),
            "--pull" => {
                let v = value()?;
                let Some((head, dir)) = v.split_once('=') else {
                    return Err(format!("`--pull` takes `BRANCH=DIR`, not `{v}`"));
                };
                pull = Some((head.to_string(), PathBuf::from(dir)));
            }
            "--token" => token = Some(value()?),
            "--info" => info = Some(PathBuf::from(value()?)),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    let seed = seed.ok_or("`--seed DIR` is required")?;
    let Some((owner, repo)) = full_name.split_once('/') else {
        return Err(format!("`--repo` takes `OWNER/NAME`, not `{full_name}`"));
    };
    Ok(Args {
        seed,
        owner: owner.to_string(),
        repo: repo.to_string(),
        branch,
        seed_age_days,
        tags,
        pull,
        token,
        info,
    })
}

/// Seeds the fake as `args` asks; returns the `--info` document.
fn seed(fake: &FakeGitHub, args: &Args) -> Result<serde_json::Value, String> {
    let now = OffsetDateTime::now_utc();
    let (owner, repo, main) = (&args.owner, &args.repo, &args.branch);
    fake.create_repo(owner, repo, main);
    let seed = fake.commit_dir(
        owner,
        repo,
        main,
        &args.seed,
        &format!("Import {}\n", args.seed.display()),
        Some(now - Duration::days(args.seed_age_days)),
    )?;
    let mut tags = serde_json::Map::new();
    for tag in &args.tags {
        let sha = fake.create_annotated_tag(owner, repo, tag, main, tag, Some(now - Duration::DAY));
        tags.insert(tag.clone(), json!(sha));
    }
    let pull = match &args.pull {
        None => serde_json::Value::Null,
        Some((head, dir)) => {
            fake.create_branch(owner, repo, head, main);
            let head_sha = fake.commit_dir(
                owner,
                repo,
                head,
                dir,
                "The change under review\n",
                Some(now - Duration::DAY),
            )?;
            let number = fake.open_pull(
                owner,
                repo,
                PullSeed::new(head.as_str(), main.as_str(), "The change under review"),
            );
            json!({
                "number": number,
                "head": { "ref": head, "sha": head_sha },
                "base": { "ref": main, "sha": seed },
            })
        }
    };
    Ok(json!({
        "url": fake.url(),
        "port": fake.addr().port(),
        "repository": format!("{owner}/{repo}"),
        "default_branch": main,
        "seed": seed,
        "tags": tags,
        "pull": pull,
        "state": format!("{}{}", fake.url(), fake_github::ADMIN_STATE_PATH),
    }))
}

/// Writes `text` to `path` through a temporary file beside it, so a reader
/// polling for `path` never sees half of it.
fn write_whole(path: &Path, text: &str) -> Result<(), String> {
    let partial = path.with_extension("partial");
    std::fs::write(&partial, text)
        .and_then(|()| std::fs::rename(&partial, path))
        .map_err(|e| format!("cannot write `{}`: {e}", path.display()))
}

fn run() -> Result<(), String> {
    let args = parse_args(std::env::args().skip(1))?;
    let fake = FakeGitHub::try_start()?;
    fake.set_token(args.token.as_deref());
    fake.set_admin_route(true);
    let info = seed(&fake, &args)?;
    if let Some(path) = &args.info {
        write_whole(path, &format!("{info:#}\n"))?;
    }
    let _ = writeln!(std::io::stdout(), "{}", fake.url());
    loop {
        std::thread::park();
    }
}

fn main() -> ExitCode {
    if std::env::args().skip(1).any(|a| a == "-h" || a == "--help") {
        let _ = std::io::stdout().write_all(USAGE.as_bytes());
        return ExitCode::SUCCESS;
    }
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let _ = write!(std::io::stderr(), "fake-github: {e}\n\n{USAGE}");
            ExitCode::from(2)
        }
    }
}
