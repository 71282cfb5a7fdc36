//! The rotation cockpit (issue 13): while a refresh's grace period runs,
//! the key's dialog shows the old and the new secret side by side (calls,
//! last call) and the callers (source IP, user agent) still presenting the
//! old one, read from the usage record; and its actions (API Key: Owner,
//! as refresh): "Stop the old secret when it has been idle for …" and
//! "Extend the grace". "Stop now" is `refresh::stop_old`.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{Duration, NaiveDateTime};
use serde::Deserialize;

use super::edit::{self, EditForm};
use super::list::{format_time, relative_time};
use super::view::dialog;
use super::KeyPath;
use crate::access::usage_tally::{hour_of, Dim};
use crate::auth::CurrentUser;
use crate::db::{Db, DbConnection};
use crate::domain::{Grace, IdleStop};
use crate::error::AppError;
use crate::keys;
use crate::models::audit::Actor;
use crate::models::key_secret::KeySecret;
use crate::models::key_usage::{self, UsageRow};
use crate::state::AppState;
use crate::web::{Form, PageCtx};

pub struct Side {
    pub prefix: String,
    pub calls: i64,
    pub last_call: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallerView {
    pub ip: String,
    pub user_agent: String,
    pub calls: i64,
    pub last_seen: String,
}

pub struct Cockpit {
    pub old: Side,
    pub new: Side,
    pub callers: Vec<CallerView>,
    /// More callers than the record itemises used the old secret.
    pub other_callers: i64,
    pub until: String,
    /// The "stop when idle" choice stored on the old secret, if any.
    pub idle: Option<&'static str>,
}

impl Cockpit {
    pub fn idle_options(&self) -> [IdleStop; 3] {
        IdleStop::ALL
    }
    pub fn extend_options(&self) -> [Grace; 4] {
        [Grace::Hour1, Grace::Hours24, Grace::Days7, Grace::Days30]
    }
}

/// (value → (calls, last call)) summed over buckets.
fn by_value(rows: &[UsageRow]) -> HashMap<String, (i64, NaiveDateTime)> {
    let mut out: HashMap<String, (i64, NaiveDateTime)> = HashMap::new();
    for r in rows {
        let e = out.entry(r.value.clone()).or_insert((0, r.last_at));
        e.0 += r.count;
        e.1 = e.1.max(r.last_at);
    }
    out
}

/// The callers that used the old secret since the grace began and have not
/// used the new one after their last call with the old one; most recent
/// first.
pub fn still_on_old(
    old: &HashMap<String, (i64, NaiveDateTime)>,
    new: &HashMap<String, (i64, NaiveDateTime)>,
    since: NaiveDateTime,
) -> Vec<(String, i64, NaiveDateTime)> {
    let mut out: Vec<(String, i64, NaiveDateTime)> = old
        .iter()
        .filter(|(_, (_, last))| *last >= since)
        .filter(|(v, (_, last))| new.get(*v).is_none_or(|(_, n)| n < last))
        .map(|(v, (n, last))| (v.clone(), *n, *last))
        .collect();
    out.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)));
    out
}

fn side(conn: &mut DbConnection, s: &KeySecret, now: NaiveDateTime) -> Result<Side, AppError> {
    let recent =
        key_usage::of_secrets(conn, &[s.id], Dim::Calls, hour_of(now - Duration::hours(1)))?;
    Ok(Side {
        prefix: s.prefix.clone(),
        calls: recent
            .iter()
            .filter(|r| r.span == "hour")
            .map(|r| r.count)
            .sum(),
        last_call: s
            .last_used_at
            .map_or_else(|| "never".into(), |t| relative_time(t, now)),
    })
}

/// The cockpit of the key `key_id` at `now`, when a grace period runs.
pub fn load(
    conn: &mut DbConnection,
    secrets: &[KeySecret],
    now: NaiveDateTime,
) -> Result<Option<Cockpit>, AppError> {
    let old = secrets
        .iter()
        .find(|s| s.retires_at.is_some_and(|t| t > now));
    let new = secrets.iter().find(|s| s.retires_at.is_none());
    let (Some(old), Some(new)) = (old, new) else {
        return Ok(None);
    };
    let since = old.retiring_since.unwrap_or(new.created_at);
    let from = hour_of(since);
    let old_callers = by_value(&key_usage::of_secrets(conn, &[old.id], Dim::Caller, from)?);
    let new_callers = by_value(&key_usage::of_secrets(conn, &[new.id], Dim::Caller, from)?);
    let other_callers = key_usage::of_secrets(conn, &[old.id], Dim::OtherCallers, from)?
        .iter()
        .filter(|r| r.last_at >= since)
        .map(|r| r.count)
        .sum();
    let callers = still_on_old(&old_callers, &new_callers, since)
        .into_iter()
        .map(|(v, calls, last)| {
            let (ip, ua) = v.split_once(' ').unwrap_or((v.as_str(), "-"));
            CallerView {
                ip: ip.to_owned(),
                user_agent: ua.to_owned(),
                calls,
                last_seen: relative_time(last, now),
            }
        })
        .collect();
    Ok(Some(Cockpit {
        old: side(conn, old, now)?,
        new: side(conn, new, now)?,
        callers,
        other_callers,
        until: format!("{} UTC", format_time(old.retires_at.unwrap_or(now))),
        idle: old
            .stop_when_idle_secs
            .and_then(IdleStop::from_secs)
            .map(IdleStop::label),
    }))
}

#[derive(Deserialize)]
pub struct IdleInput {
    idle: Option<String>,
}

#[derive(Deserialize)]
pub struct ExtendInput {
    grace: Option<String>,
}

/// The key's dialog again after an action, with `notice`.
async fn dialog_after(
    req: &HttpRequest,
    ctx: PageCtx,
    db: &Db,
    state: &AppState,
    path: &KeyPath,
    notice: String,
) -> Result<HttpResponse, AppError> {
    let (kind, id) = (path.kind, path.id);
    if !crate::web::is_htmx(req) {
        return Ok(crate::web::see_other(
            req,
            &format!("{}/{}", kind.list_url(), id),
        ));
    }
    let now = state.clock.now();
    let (st, lists) = edit::load(db, kind, id).await?;
    let mut form = EditForm::new(req, ctx, st, lists, &state.catalogue, now);
    form.notice = Some(notice);
    form.cockpit = edit::cockpit_of(db, kind, id, now).await?;
    let mut resp = dialog(req, "Edit API Key", &form, StatusCode::OK)?;
    super::keys_changed(&mut resp);
    Ok(resp)
}

pub async fn stop_when_idle(
    req: HttpRequest,
    ctx: PageCtx,
    user: CurrentUser,
    db: web::Data<Db>,
    state: web::Data<AppState>,
    path: KeyPath,
    Form(input): Form<IdleInput>,
) -> Result<HttpResponse, AppError> {
    let idle = IdleStop::parse(input.idle.as_deref().unwrap_or_default())
        .map_err(AppError::bad_request)?;
    let (kind, id) = (path.kind, path.id);
    let now = state.clock.now();
    let actor = Actor::user(user.id, &user.username, crate::web::client_ip(&req));
    db.run(move |c| {
        crate::db::write_transaction(c, |c| {
            let st = keys::load_state(c, kind, id)?;
            keys::set_idle_stop(c, &actor, now, &st, idle)
        })
    })
    .await?;
    let notice = format!(
        "The old secret will stop once it has had no call for {}.",
        idle.label()
    );
    dialog_after(&req, ctx, &db, &state, &path, notice).await
}

pub async fn extend(
    req: HttpRequest,
    ctx: PageCtx,
    user: CurrentUser,
    db: web::Data<Db>,
    state: web::Data<AppState>,
    path: KeyPath,
    Form(input): Form<ExtendInput>,
) -> Result<HttpResponse, AppError> {
    let grace = Grace::parse(input.grace.as_deref().unwrap_or_default())
        .ok()
        .filter(|g| *g != Grace::Now)
        .ok_or_else(|| {
            AppError::bad_request("Choose the new end: in 1 hour, 24 hours, 7 days or 30 days.")
        })?;
    let (kind, id) = (path.kind, path.id);
    let now = state.clock.now();
    let actor = Actor::user(user.id, &user.username, crate::web::client_ip(&req));
    let until = db
        .run(move |c| {
            crate::db::write_transaction(c, |c| {
                let st = keys::load_state(c, kind, id)?;
                keys::extend_grace(c, &actor, now, &st, grace)
            })
        })
        .await?;
    let notice = format!("The grace period now ends {} UTC.", format_time(until));
    dialog_after(&req, ctx, &db, &state, &path, notice).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(m: u32) -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2026, 12, 1)
            .unwrap()
            .and_hms_opt(10, m, 0)
            .unwrap()
    }

    #[test]
    fn callers_that_moved_are_not_listed() {
        let old: HashMap<String, (i64, NaiveDateTime)> = [
            ("1.1.1.1 a".to_string(), (5, t(20))),
            ("2.2.2.2 b".to_string(), (3, t(25))),
            ("3.3.3.3 c".to_string(), (1, t(5))),
        ]
        .into();
        let new: HashMap<String, (i64, NaiveDateTime)> =
            [("1.1.1.1 a".to_string(), (2, t(30)))].into();
        let still = still_on_old(&old, &new, t(10));
        // a moved, c called before the grace began: only b is left.
        assert_eq!(still, vec![("2.2.2.2 b".to_string(), 3, t(25))]);
    }
}
