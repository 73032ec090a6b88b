//! The "tracker" API: a small parent/child API (projects → issues → comments, plus users and
//! events), and GitHub-like and PokeAPI-like subsets, so that `restclient run` configs (dlt
//! `rest_api` dicts) have something real to walk: parents, children, a child that is gone (404),
//! an incremental `since` filter over timestamps written with mixed UTC offsets, and data that
//! changes between two runs ([`DemoServer::advance_tracker`] or `POST /tracker/_advance`).
//!
//! Every value is a pure function of the [`TrackerConfig`] and the current *generation* (0 at
//! start, +1 per advance), so runs repeat exactly and tests can compute what they expect.

use std::sync::{
    Arc,
    atomic::{AtomicU64, Ordering},
};

use axum::{
    Json, Router,
    extract::{Path, State},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use serde_json::{Value, json};

use crate::{error::ApiError, params::Ctx, server::DemoServer, state::AppState};

/// The shape of the tracker data (see the crate docs, "Tracker API").
///
/// The defaults are small (5 projects of 30 issues with 0–5 comments each, 20 users, 100
/// events); the benchmark raises them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackerConfig {
    /// Number of projects (ids `1..=projects`). Default 5.
    pub projects: u64,
    /// Issues per project at generation 0 (numbers `1..=issues_per_project`, at most 99 999).
    /// Default 30.
    pub issues_per_project: u64,
    /// Most comments an issue has (each has `0..=max_comments`, at most 9). Default 5.
    pub max_comments: u64,
    /// Number of users (`/tracker/users`). Default 20.
    pub users: u64,
    /// Number of events (`/tracker/events`). Default 100.
    pub events: u64,
    /// New issues each project gets per advance. Default 3.
    pub new_issues_per_advance: u64,
    /// The generation the server starts at. Default 0.
    pub generation: u64,
}

impl Default for TrackerConfig {
    fn default() -> Self {
        Self {
            projects: 5,
            issues_per_project: 30,
            max_comments: 5,
            users: 20,
            events: 100,
            new_issues_per_advance: 3,
            generation: 0,
        }
    }
}

/// Most issues a project can hold: issue ids are `project * 100_000 + number`.
const MAX_ISSUES: u64 = 99_999;

/// 2024-01-01T00:00:00Z, the earliest timestamp of the data.
const BASE: i64 = 1_704_067_200;
const DAY: i64 = 86_400;

/// The live state: the configuration and the current generation.
#[derive(Debug)]
pub(crate) struct TrackerState {
    config: TrackerConfig,
    generation: AtomicU64,
}

impl TrackerState {
    pub(crate) fn new(config: &TrackerConfig) -> Arc<Self> {
        let mut config = config.clone();
        config.issues_per_project = config.issues_per_project.min(MAX_ISSUES);
        config.max_comments = config.max_comments.min(9);
        Arc::new(Self {
            generation: AtomicU64::new(config.generation),
            config,
        })
    }

    fn snapshot(&self) -> Data<'_> {
        Data {
            config: &self.config,
            generation: self.generation.load(Ordering::SeqCst),
        }
    }

    fn advance(&self) -> u64 {
        self.generation.fetch_add(1, Ordering::SeqCst) + 1
    }
}

impl DemoServer {
    /// Changes the tracker data as a day of activity would: about a quarter of the issues get a
    /// new `updated_at` (later than every earlier one) and every project gets
    /// [`TrackerConfig::new_issues_per_advance`] new issues. Returns the new generation. The
    /// same as `POST /tracker/_advance`.
    pub fn advance_tracker(&self) -> u64 {
        self.tracker().advance()
    }

    /// The current generation of the tracker data (0 at start, unless configured).
    pub fn tracker_generation(&self) -> u64 {
        self.tracker().generation.load(Ordering::SeqCst)
    }
}

/// A mixing hash (splitmix64 finaliser) over a few numbers: the data's only source of variety.
fn mix(parts: &[u64]) -> u64 {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for part in parts {
        x ^= part.wrapping_add(0x9E37_79B9_7F4A_7C15);
        x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        x ^= x >> 31;
    }
    x
}

/// An instant (seconds since the Unix epoch) with the UTC offset (minutes) it is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    epoch: i64,
    offset_minutes: i32,
}

impl Stamp {
    /// Offsets cycle through `Z`, `+05:30` and `-08:00`, so that comparing the text of two
    /// timestamps gives the wrong order where comparing their instants does not.
    fn new(epoch: i64, salt: u64) -> Self {
        let offset_minutes = match salt % 3 {
            0 => 0,
            1 => 330,
            _ => -480,
        };
        Self {
            epoch,
            offset_minutes,
        }
    }

    fn rfc3339(self) -> String {
        let local = self.epoch + i64::from(self.offset_minutes) * 60;
        let days = local.div_euclid(DAY);
        let secs = local.rem_euclid(DAY);
        let (y, m, d) = civil_from_days(days);
        let time = format!(
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        );
        if self.offset_minutes == 0 {
            return format!("{time}Z");
        }
        let sign = if self.offset_minutes < 0 { '-' } else { '+' };
        let abs = self.offset_minutes.unsigned_abs();
        format!("{time}{sign}{:02}:{:02}", abs / 60, abs % 60)
    }
}

/// Days since 1970-01-01 → (year, month, day) (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// (year, month, day) → days since 1970-01-01.
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Parses an RFC 3339 timestamp (`2024-01-02T03:04:05Z`, fractions and `±HH:MM` offsets
/// allowed; a space where the offset sign belongs is read as `+`, since a `+` left
/// unencoded in a query string arrives as a space) into seconds since the epoch.
/// A date alone (`2024-01-02`) is midnight UTC.
fn parse_instant(text: &str) -> Option<i64> {
    let text = text.trim_start();
    let bytes = text.as_bytes();
    let num = |range: std::ops::Range<usize>| -> Option<i64> {
        let part = text.get(range)?;
        part.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if bytes.get(4) != Some(&b'-') || bytes.get(7) != Some(&b'-') {
        return None;
    }
    let (m, d) = (u32::try_from(m).ok()?, u32::try_from(d).ok()?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let days = days_from_civil(y, m, d);
    if bytes.len() == 10 {
        return Some(days * DAY);
    }
    if !matches!(bytes.get(10), Some(b'T' | b't' | b' ')) {
        return None;
    }
    let (hh, mm, ss) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if bytes.get(13) != Some(&b':') || bytes.get(16) != Some(&b':') || hh > 23 || mm > 59 || ss > 60
    {
        return None;
    }
    let mut rest = &text[19..];
    if let Some(fraction) = rest.strip_prefix('.') {
        let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        rest = &fraction[digits..];
    }
    let offset = match rest {
        "Z" | "z" => 0,
        _ => {
            let sign = match rest.as_bytes().first()? {
                b'+' | b' ' => 1,
                b'-' => -1,
                _ => return None,
            };
            let oh: i64 = rest.get(1..3)?.parse().ok()?;
            let om: i64 = rest.get(4..6)?.parse().ok()?;
            if rest.len() != 6 || rest.as_bytes()[3] != b':' || oh > 23 || om > 59 {
                return None;
            }
            sign * (oh * 3600 + om * 60)
        }
    };
    Some(days * DAY + hh * 3600 + mm * 60 + ss - offset)
}

/// The data at one generation.
#[derive(Debug, Clone, Copy)]
struct Data<'a> {
    config: &'a TrackerConfig,
    generation: u64,
}

/// One issue, before it is rendered.
#[derive(Debug, Clone, Copy)]
struct Issue {
    project: u64,
    number: u64,
    created: Stamp,
    updated: Stamp,
}

impl Issue {
    fn id(&self) -> u64 {
        self.project * 100_000 + self.number
    }

    /// Deleted issues are listed, but their comments answer 404 (`/tracker` only).
    fn deleted(&self) -> bool {
        self.number % 10 == 7
    }

    fn closed(&self) -> bool {
        mix(&[self.project, self.number, 1]).is_multiple_of(4)
    }
}

impl Data<'_> {
    fn project_exists(&self, project: u64) -> bool {
        (1..=self.config.projects).contains(&project)
    }

    /// Issues of `project` at this generation, numbers `1..=n`.
    fn issue_count(&self) -> u64 {
        let added = self
            .config
            .new_issues_per_advance
            .saturating_mul(self.generation);
        self.config
            .issues_per_project
            .saturating_add(added)
            .min(MAX_ISSUES)
    }

    /// The timestamp of generation `g` (g ≥ 1): 90 days after the base plus `g` days, at a
    /// time of day of its own. Later generations are always later.
    fn generation_time(g: u64, salt: u64) -> i64 {
        BASE + 90 * DAY + (g as i64) * DAY + (salt % 43_200) as i64
    }

    fn issue(&self, project: u64, number: u64) -> Option<Issue> {
        if !self.project_exists(project) || !(1..=self.issue_count()).contains(&number) {
            return None;
        }
        let base = self.config.issues_per_project;
        let h = mix(&[project, number]);
        // Born at generation 0, or at the generation that added it.
        let born = if number <= base || self.config.new_issues_per_advance == 0 {
            0
        } else {
            (number - base - 1) / self.config.new_issues_per_advance + 1
        };
        let created_epoch = if born == 0 {
            BASE + (h % (60 * DAY as u64)) as i64
        } else {
            Self::generation_time(born, h)
        };
        let created = Stamp::new(created_epoch, project + number);
        // The latest generation after its birth that touched it, if any.
        let touched = (born + 1..=self.generation)
            .rev()
            .find(|&g| mix(&[project, number, g, 7]).is_multiple_of(4));
        let updated = match touched {
            Some(g) => Stamp::new(
                Self::generation_time(g, mix(&[project, number, g])),
                project + number + g,
            ),
            None => created,
        };
        Some(Issue {
            project,
            number,
            created,
            updated,
        })
    }

    fn comment_count(&self, issue: &Issue) -> u64 {
        mix(&[issue.project, issue.number, 3]) % (self.config.max_comments + 1)
    }
}

/// The routes, on the server's state.
pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/tracker/projects", get(projects))
        .route("/tracker/projects/{project}", get(project))
        .route("/tracker/projects/{project}/issues", get(project_issues))
        .route(
            "/tracker/projects/{project}/issues/{number}",
            get(project_issue),
        )
        .route(
            "/tracker/projects/{project}/issues/{number}/comments",
            get(comments),
        )
        .route("/tracker/issues", get(all_issues))
        .route("/tracker/users", get(users))
        .route("/tracker/events", get(events))
        .route("/tracker/_advance", post(advance))
        .route("/github/repos/{owner}/{repo}/issues", get(github_issues))
        .route(
            "/github/repos/{owner}/{repo}/issues/{number}/comments",
            get(github_comments),
        )
        .route("/pokeapi/api/v2/{kind}", get(poke_list))
        .route("/pokeapi/api/v2/{kind}/{name}", get(poke_detail))
}

fn data(ctx: &Ctx) -> Data<'_> {
    ctx.state.tracker.snapshot()
}

/// A required positive integer parameter with a default, at most `max`.
fn size_param(ctx: &Ctx, name: &str, default: u64, max: u64) -> Result<u64, ApiError> {
    Ok(ctx.params.u64(name)?.unwrap_or(default).clamp(1, max))
}

/// A string parameter, 400 when it is not one of `allowed`.
fn choice(ctx: &Ctx, name: &str, default: &str, allowed: &[&str]) -> Result<String, ApiError> {
    let value = ctx
        .params
        .string(name)
        .map_err(|()| ApiError::bad_request(format!("invalid value for '{name}'")))?
        .unwrap_or_else(|| default.to_owned());
    if allowed.contains(&value.as_str()) {
        Ok(value)
    } else {
        Err(ApiError::bad_request(format!(
            "invalid value for '{name}': expected one of {}",
            allowed.join(", ")
        )))
    }
}

fn path_number(text: &str) -> Result<u64, ApiError> {
    text.parse().map_err(|_| ApiError::not_found())
}

/// `GET /tracker/projects?page=P&page_size=S` (1-based) →
/// `{"projects", "page", "page_size", "total_pages", "total"}`.
async fn projects(ctx: Ctx) -> Result<Json<Value>, ApiError> {
    let data = data(&ctx);
    let page = ctx.params.u64("page")?.unwrap_or(1).max(1);
    let size = size_param(&ctx, "page_size", 10, 1000)?;
    let total = data.config.projects;
    let first = (page - 1).saturating_mul(size).saturating_add(1);
    let last = first.saturating_add(size - 1).min(total);
    let items: Vec<Value> = (first..=last).map(|p| project_json(&data, p)).collect();
    Ok(Json(json!({
        "projects": items,
        "page": page,
        "page_size": size,
        "total_pages": total.div_ceil(size),
        "total": total,
    })))
}

fn project_json(data: &Data<'_>, p: u64) -> Value {
    json!({
        "id": p,
        "key": format!("P{p}"),
        "name": format!("Project {p}"),
        "issues": data.issue_count(),
        "created_at": Stamp::new(BASE - (p as i64) * DAY, p).rfc3339(),
    })
}

/// `GET /tracker/projects/{project}` → the project, or 404.
async fn project(Path(project): Path<String>, ctx: Ctx) -> Result<Json<Value>, ApiError> {
    let data = data(&ctx);
    let p = path_number(&project)?;
    if !data.project_exists(p) {
        return Err(ApiError::not_found());
    }
    Ok(Json(project_json(&data, p)))
}

/// Which issue list, and how the GitHub-like variant differs from the tracker's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flavor {
    Tracker,
    GitHub,
}

fn issue_json(data: &Data<'_>, issue: &Issue, flavor: Flavor) -> Value {
    let state = if issue.closed() { "closed" } else { "open" };
    let title = format!("Issue {} of P{}", issue.number, issue.project);
    match flavor {
        Flavor::Tracker => json!({
            "id": issue.id(),
            "number": issue.number,
            "project_id": issue.project,
            "title": title,
            "state": state,
            "comments": data.comment_count(issue),
            "deleted": issue.deleted(),
            "created_at": issue.created.rfc3339(),
            "updated_at": issue.updated.rfc3339(),
        }),
        Flavor::GitHub => json!({
            "id": issue.id(),
            "number": issue.number,
            "title": title,
            "state": state,
            "user": {"login": format!("user{}", mix(&[issue.id()]) % data.config.users.max(1) + 1)},
            "labels": github_labels(issue),
            "comments": data.comment_count(issue),
            "created_at": issue.created.rfc3339(),
            "updated_at": issue.updated.rfc3339(),
        }),
    }
}

/// An issue's labels (0 to 2), a nested list as GitHub's: `[{"name", "color"}]`.
fn github_labels(issue: &Issue) -> Value {
    const LABELS: [(&str, &str); 4] = [
        ("bug", "d73a4a"),
        ("enhancement", "a2eeef"),
        ("question", "d876e3"),
        ("documentation", "0075ca"),
    ];
    let h = mix(&[issue.project, issue.number, 13]);
    let count = (h % 3) as usize;
    let labels: Vec<Value> = (0..count)
        .map(|i| {
            let (name, color) = LABELS[((h >> 8) as usize + i) % LABELS.len()];
            json!({"name": name, "color": color})
        })
        .collect();
    Value::Array(labels)
}

/// Lists issues GitHub's way: `state` (open|closed|all), `since` (RFC 3339: updated at or after
/// that instant), `sort` (created|updated), `direction` (asc|desc), `page`, `per_page`; a bare
/// array with a `Link` header (`next` unless on the last page, `last`) and `X-Total-Count`.
fn issue_list(
    ctx: &Ctx,
    path: &str,
    projects: std::ops::RangeInclusive<u64>,
    flavor: Flavor,
) -> Result<Response, ApiError> {
    let data = data(ctx);
    let (default_state, default_direction) = match flavor {
        Flavor::Tracker => ("all", "asc"),
        Flavor::GitHub => ("open", "desc"),
    };
    let state = choice(ctx, "state", default_state, &["open", "closed", "all"])?;
    let sort = choice(ctx, "sort", "created", &["created", "updated"])?;
    let direction = choice(ctx, "direction", default_direction, &["asc", "desc"])?;
    let since_text = ctx
        .params
        .string("since")
        .map_err(|()| ApiError::bad_request("invalid value for 'since'"))?
        .filter(|text| !text.is_empty());
    let since = since_text
        .as_deref()
        .map(|text| {
            parse_instant(text).ok_or_else(|| {
                ApiError::bad_request(format!(
                    "invalid value for 'since': `{text}` is not an RFC 3339 timestamp"
                ))
            })
        })
        .transpose()?;
    let page = ctx.params.u64("page")?.unwrap_or(1).max(1);
    let per_page = size_param(ctx, "per_page", 30, 100)?;

    let mut issues: Vec<Issue> = projects
        .flat_map(|p| (1..=data.issue_count()).filter_map(move |n| data.issue(p, n)))
        .filter(|issue| match state.as_str() {
            "open" => !issue.closed(),
            "closed" => issue.closed(),
            _ => true,
        })
        .filter(|issue| since.is_none_or(|since| issue.updated.epoch >= since))
        .collect();
    let key = |issue: &Issue| match sort.as_str() {
        "updated" => (issue.updated.epoch, issue.id()),
        _ => (issue.created.epoch, issue.id()),
    };
    issues.sort_by_key(key);
    if direction == "desc" {
        issues.reverse();
    }
    let total = issues.len() as u64;
    let total_pages = total.div_ceil(per_page).max(1);
    let start = usize::try_from((page - 1).saturating_mul(per_page)).unwrap_or(usize::MAX);
    let items: Vec<Value> = issues
        .iter()
        .skip(start)
        .take(per_page as usize)
        .map(|issue| issue_json(&data, issue, flavor))
        .collect();

    let link_to = |page: u64| {
        let mut query = form_urlencoded::Serializer::new(String::new());
        query.append_pair("page", &page.to_string());
        query.append_pair("per_page", &per_page.to_string());
        query.append_pair("state", &state);
        query.append_pair("sort", &sort);
        query.append_pair("direction", &direction);
        if let Some(since) = &since_text {
            query.append_pair("since", since);
        }
        format!("<{}{path}?{}>", ctx.base_url, query.finish())
    };
    let mut links = Vec::with_capacity(2);
    if page < total_pages {
        links.push(format!("{}; rel=\"next\"", link_to(page + 1)));
    }
    links.push(format!("{}; rel=\"last\"", link_to(total_pages)));
    link_response(links, total, items)
}

fn link_response(links: Vec<String>, total: u64, items: Vec<Value>) -> Result<Response, ApiError> {
    let link = HeaderValue::try_from(links.join(", "))
        .map_err(|_| ApiError::bad_request("invalid Host header"))?;
    Ok((
        [
            (header::LINK, link),
            (
                header::HeaderName::from_static("x-total-count"),
                HeaderValue::from(total),
            ),
        ],
        Json(Value::Array(items)),
    )
        .into_response())
}

/// `GET /tracker/projects/{project}/issues` (see [`issue_list`]; default `state=all`,
/// `direction=asc`), 404 for an unknown project.
async fn project_issues(Path(project): Path<String>, ctx: Ctx) -> Result<Response, ApiError> {
    let p = path_number(&project)?;
    if !data(&ctx).project_exists(p) {
        return Err(ApiError::not_found());
    }
    issue_list(
        &ctx,
        &format!("/tracker/projects/{p}/issues"),
        p..=p,
        Flavor::Tracker,
    )
}

/// `GET /tracker/issues`: every project's issues in one list (see [`issue_list`]).
async fn all_issues(ctx: Ctx) -> Result<Response, ApiError> {
    let projects = data(&ctx).config.projects;
    issue_list(&ctx, "/tracker/issues", 1..=projects, Flavor::Tracker)
}

/// `GET /tracker/projects/{project}/issues/{number}` → the issue, or 404.
async fn project_issue(
    Path((project, number)): Path<(String, String)>,
    ctx: Ctx,
) -> Result<Json<Value>, ApiError> {
    let data = data(&ctx);
    let issue = data
        .issue(path_number(&project)?, path_number(&number)?)
        .ok_or_else(ApiError::not_found)?;
    Ok(Json(issue_json(&data, &issue, Flavor::Tracker)))
}

fn comment_json(data: &Data<'_>, issue: &Issue, c: u64) -> Value {
    let id = issue.id() * 10 + c;
    json!({
        "id": id,
        "issue_id": issue.id(),
        "user": format!("user{}", mix(&[id]) % data.config.users.max(1) + 1),
        "body": format!("Comment {c} on issue {} of P{}", issue.number, issue.project),
        "created_at": Stamp::new(issue.created.epoch + (c as i64) * 3600, id).rfc3339(),
    })
}

/// `GET /tracker/projects/{project}/issues/{number}/comments?offset=O&limit=L` →
/// `{"items", "total", "offset", "limit"}`; 404 `{"error": "issue deleted"}` for a deleted
/// issue, 404 for an unknown one.
async fn comments(
    Path((project, number)): Path<(String, String)>,
    ctx: Ctx,
) -> Result<Json<Value>, ApiError> {
    let data = data(&ctx);
    let issue = data
        .issue(path_number(&project)?, path_number(&number)?)
        .ok_or_else(ApiError::not_found)?;
    if issue.deleted() {
        return Err(ApiError::new(StatusCode::NOT_FOUND, "issue deleted"));
    }
    let offset = ctx.params.u64("offset")?.unwrap_or(0);
    let limit = size_param(&ctx, "limit", 20, 1000)?;
    let total = data.comment_count(&issue);
    let items: Vec<Value> = (offset..total.min(offset.saturating_add(limit)))
        .map(|c| comment_json(&data, &issue, c))
        .collect();
    Ok(Json(json!({
        "items": items,
        "total": total,
        "offset": offset,
        "limit": limit,
    })))
}

/// `GET /tracker/users?cursor=C&limit=L` → `{"users", "next_cursor": C2 | null}`.
async fn users(ctx: Ctx) -> Result<Json<Value>, ApiError> {
    let data = data(&ctx);
    let after = match ctx
        .params
        .string("cursor")
        .map_err(|()| ApiError::bad_request("invalid cursor"))?
        .filter(|c| !c.is_empty())
    {
        None => 0,
        Some(cursor) => cursor
            .strip_prefix("after-")
            .and_then(|n| n.parse::<u64>().ok())
            .ok_or_else(|| ApiError::bad_request("invalid cursor"))?,
    };
    let limit = size_param(&ctx, "limit", 50, 1000)?;
    let total = data.config.users;
    let last = after.saturating_add(limit).min(total);
    let items: Vec<Value> = (after + 1..=last)
        .map(|u| {
            json!({
                "id": u,
                "login": format!("user{u}"),
                "name": format!("User {u}"),
                "joined_at": Stamp::new(BASE - (u as i64) * 3600, u).rfc3339(),
            })
        })
        .collect();
    let next = (last < total).then(|| format!("after-{last}"));
    Ok(Json(json!({ "users": items, "next_cursor": next })))
}

/// `GET /tracker/events?offset=O&limit=L` → `{"events", "total", "offset", "limit"}`.
async fn events(ctx: Ctx) -> Result<Json<Value>, ApiError> {
    let data = data(&ctx);
    let offset = ctx.params.u64("offset")?.unwrap_or(0);
    let limit = size_param(&ctx, "limit", 100, 10_000)?;
    let total = data.config.events;
    let kinds = ["opened", "commented", "closed", "labeled"];
    let items: Vec<Value> = (offset..total.min(offset.saturating_add(limit)))
        .map(|i| {
            let id = i + 1;
            let h = mix(&[id, 11]);
            json!({
                "id": id,
                "type": kinds[(h % 4) as usize],
                "project_id": h % data.config.projects.max(1) + 1,
                "at": Stamp::new(BASE + (id as i64) * 60, id).rfc3339(),
            })
        })
        .collect();
    Ok(Json(json!({
        "events": items,
        "total": total,
        "offset": offset,
        "limit": limit,
    })))
}

/// `POST /tracker/_advance` → `{"generation": g}` (see [`DemoServer::advance_tracker`]).
async fn advance(State(state): State<AppState>) -> Json<Value> {
    Json(json!({ "generation": state.tracker.advance() }))
}

/// `GET /github/repos/{owner}/{repo}/issues`: project 1's issues, GitHub-shaped (see
/// [`issue_list`]; default `state=open`, `direction=desc`). Any owner and repository name.
async fn github_issues(
    Path((owner, repo)): Path<(String, String)>,
    ctx: Ctx,
) -> Result<Response, ApiError> {
    let path = format!(
        "/github/repos/{}/{}/issues",
        path_segment(&owner),
        path_segment(&repo)
    );
    issue_list(&ctx, &path, 1..=1, Flavor::GitHub)
}

/// Re-encodes a path segment for a link.
fn path_segment(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// `GET /github/repos/{owner}/{repo}/issues/{number}/comments?page=P&per_page=K`: a bare array
/// with a `Link` header; 404 for an unknown issue (none is deleted here).
async fn github_comments(
    Path((owner, repo, number)): Path<(String, String, String)>,
    ctx: Ctx,
) -> Result<Response, ApiError> {
    let data = data(&ctx);
    let issue = data
        .issue(1, path_number(&number)?)
        .ok_or_else(ApiError::not_found)?;
    let page = ctx.params.u64("page")?.unwrap_or(1).max(1);
    let per_page = size_param(&ctx, "per_page", 30, 100)?;
    let total = data.comment_count(&issue);
    let first = (page - 1).saturating_mul(per_page);
    let items: Vec<Value> = (first..total.min(first.saturating_add(per_page)))
        .map(|c| comment_json(&data, &issue, c))
        .collect();
    let total_pages = total.div_ceil(per_page).max(1);
    let path = format!(
        "{}/github/repos/{}/{}/issues/{}/comments",
        ctx.base_url,
        path_segment(&owner),
        path_segment(&repo),
        issue.number
    );
    let mut links = Vec::with_capacity(2);
    if page < total_pages {
        links.push(format!(
            "<{path}?page={}&per_page={per_page}>; rel=\"next\"",
            page + 1
        ));
    }
    links.push(format!(
        "<{path}?page={total_pages}&per_page={per_page}>; rel=\"last\""
    ));
    link_response(links, total, items)
}

/// The PokeAPI-like collections and their sizes.
fn poke_kind(kind: &str) -> Option<u64> {
    match kind {
        "pokemon" => Some(151),
        "berry" => Some(64),
        "location" => Some(40),
        _ => None,
    }
}

/// `GET /pokeapi/api/v2/{pokemon|berry|location}?offset=O&limit=L` →
/// `{"count", "next": absolute URL | null, "previous", "results": [{"name", "url"}]}`.
async fn poke_list(Path(kind): Path<String>, ctx: Ctx) -> Result<Json<Value>, ApiError> {
    let count = poke_kind(&kind).ok_or_else(ApiError::not_found)?;
    let offset = ctx.params.u64("offset")?.unwrap_or(0);
    let limit = size_param(&ctx, "limit", 20, 100_000)?;
    let base = format!("{}/pokeapi/api/v2/{kind}", ctx.base_url);
    let end = count.min(offset.saturating_add(limit));
    let results: Vec<Value> = (offset..end)
        .map(|i| json!({"name": format!("{kind}-{}", i + 1), "url": format!("{base}/{}/", i + 1)}))
        .collect();
    let next = (end < count).then(|| format!("{base}?offset={end}&limit={limit}"));
    let previous = (offset > 0).then(|| {
        format!(
            "{base}?offset={}&limit={limit}",
            offset.saturating_sub(limit)
        )
    });
    Ok(Json(json!({
        "count": count,
        "next": next,
        "previous": previous,
        "results": results,
    })))
}

/// `GET /pokeapi/api/v2/{kind}/{name or id}` → the entity, or 404.
const POKE_TYPES: [&str; 6] = ["grass", "fire", "water", "bug", "normal", "poison"];

async fn poke_detail(Path((kind, name)): Path<(String, String)>) -> Result<Json<Value>, ApiError> {
    let count = poke_kind(&kind).ok_or_else(ApiError::not_found)?;
    let prefix = format!("{kind}-");
    let id = name
        .strip_prefix(&prefix)
        .unwrap_or(&name)
        .parse::<u64>()
        .ok()
        .filter(|id| (1..=count).contains(id))
        .ok_or_else(ApiError::not_found)?;
    let h = mix(&[id, 5]);
    Ok(Json(json!({
        "id": id,
        "name": format!("{kind}-{id}"),
        "order": id,
        "height": h % 20 + 1,
        "weight": h % 1000 + 1,
        "base_experience": h % 300 + 36,
        // A nested list, as PokeAPI's: one or two types.
        "types": (1..=(h % 2 + 1)).map(|slot| json!({
            "slot": slot,
            "type": {"name": POKE_TYPES[((h >> 4) + slot) as usize % POKE_TYPES.len()]},
        })).collect::<Vec<Value>>(),
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_round_trip_through_every_offset() {
        for salt in 0..3 {
            let stamp = Stamp::new(BASE + 12_345, salt);
            assert_eq!(parse_instant(&stamp.rfc3339()), Some(BASE + 12_345));
        }
        assert_eq!(Stamp::new(BASE, 0).rfc3339(), "2024-01-01T00:00:00Z");
        assert_eq!(Stamp::new(BASE, 1).rfc3339(), "2024-01-01T05:30:00+05:30");
        assert_eq!(Stamp::new(BASE, 2).rfc3339(), "2023-12-31T16:00:00-08:00");
        assert_eq!(parse_instant("2024-01-01"), Some(BASE));
        assert_eq!(parse_instant("2024-01-01T05:30:00.250 05:30"), Some(BASE));
        for bad in [
            "",
            "2024",
            "2024-13-01",
            "2024-01-01T25:00:00Z",
            "2024-01-01T00:00:00",
        ] {
            assert_eq!(parse_instant(bad), None, "{bad}");
        }
    }

    #[test]
    fn advancing_touches_some_issues_and_adds_new_ones() {
        let state = TrackerState::new(&TrackerConfig::default());
        let before = state.snapshot();
        let old: Vec<Issue> = (1..=30).filter_map(|n| before.issue(1, n)).collect();
        assert_eq!(old.len(), 30);
        let latest = old.iter().map(|i| i.updated.epoch).max().unwrap_or(0);
        state.advance();
        let after = state.snapshot();
        assert_eq!(after.issue_count(), 33);
        let changed = (1..=30)
            .filter(|&n| {
                after.issue(1, n).map(|i| i.updated) != before.issue(1, n).map(|i| i.updated)
            })
            .count();
        assert!(changed > 0 && changed < 30, "{changed}");
        for n in 31..=33 {
            assert!(after.issue(1, n).is_some_and(|i| i.updated.epoch > latest));
        }
    }
}
