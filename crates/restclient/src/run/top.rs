//! A top-level resource: one walk, each page through the filter into the resource's output,
//! its position saved with the output (see [`Out::save`]) at most once per checkpoint interval
//! and whenever the walk stops. Resumed, the walk goes on after the last saved page with its
//! cursor as it stood.

use std::collections::BTreeMap;

use futures::StreamExt;
use serde_json::json;

use super::Progress;
use super::emit;
use super::engine::{Engine, cancelled};
use super::feed::End;
use super::incremental::Cursor;
use super::plan::ResourcePlan;
use super::request::{self, Scope};
use super::resource::{Fail, Out};
use super::state::{ResourceCheckpoint, ResourceState};

/// Walks `r` into `out`, from `cp` (a resumed resource's checkpoint, or a fresh one), which it
/// leaves complete.
pub(crate) async fn walk(
    e: &Engine,
    r: &ResourcePlan,
    cp: &mut ResourceCheckpoint,
    out: &mut Out<'_>,
) -> Result<(), Fail> {
    let mut cursor = r.incremental.as_ref().map(|spec| {
        let state = e.prior_state(r).and_then(|s| s.cursor.as_ref());
        Cursor::new(spec, state, r.primary_key())
    });
    if let (Some(c), Some(snap)) = (cursor.as_mut(), cp.cursor.clone()) {
        c.restore(snap);
    }
    let result = pages(e, r, cp, cursor.as_mut(), out).await;
    if let Err(f) = result {
        // What is written stays counted: a resume goes on from there.
        if out.deadline().is_some() {
            out.save(cp).await?;
        }
        return Err(f);
    }
    cp.complete = true;
    cp.walk = None;
    cp.cursor = None;
    let stateful = r
        .incremental
        .as_ref()
        .is_some_and(|i| i.end_value.is_none());
    if let (Some(spec), Some(c)) = (&r.incremental, cursor) {
        let finished = c.finish();
        cp.incremental =
            Some(json!({"start_value": finished.start_value, "end_value": finished.last_value}));
        cp.state = stateful.then(|| ResourceState {
            cursor_path: spec.cursor_path.clone(),
            cursor: Some(finished),
            parents: BTreeMap::new(),
        });
    }
    out.sync()?;
    out.save(cp).await?;
    out.end(End::Done, out.len()).await;
    Ok(())
}

/// The pages of the walk, written as they arrive.
async fn pages(
    e: &Engine,
    r: &ResourcePlan,
    cp: &mut ResourceCheckpoint,
    mut cursor: Option<&mut Cursor<'_>>,
    out: &mut Out<'_>,
) -> Result<(), Fail> {
    cp.counters.walks = 1;
    if cursor.as_deref().is_some_and(|c| c.done) {
        cp.stop_reason = Some(ROW_ORDER.into());
        return Ok(());
    }
    let scope = Scope::new(r, None, cursor.as_deref());
    let mut p = request::paginate(
        &e.client,
        r,
        e.auths.get(&r.name),
        &scope,
        cursor.as_deref(),
    )?;
    if out.is_file() {
        p = p.checkpoint_in_caller(
            format!("of resource `{}`", r.name),
            json!({"resource": r.name}),
            cp.walk.clone(),
        );
    }
    let mut pages = p.try_pages()?;
    let mut cancel = e.cancel.clone();
    let mut buf = Vec::new();
    loop {
        let deadline = out.deadline();
        let next = tokio::select! {
            biased;
            () = cancelled(&mut cancel) => {
                if out.deadline().is_some() {
                    out.save(cp).await?;
                }
                return Err(Fail::Cancelled);
            }
            () = sleep_until(deadline) => {
                out.save(cp).await?;
                continue;
            }
            next = pages.next() => next,
        };
        let Some(page) = next else { break };
        let page = page?;
        buf.clear();
        let emitted = emit::page_lines(r, &page, cursor.as_deref_mut(), &[], &mut buf)?;
        out.page(&buf).await?;
        cp.counters.pages += 1;
        cp.counters.records += emitted.kept;
        cp.counters.unmatched_pages += u64::from(emitted.unmatched);
        cp.walk = page.checkpoint().cloned();
        cp.cursor = cursor.as_deref().map(Cursor::snapshot);
        e.report(Progress::Page {
            resource: r.name.clone(),
            pages: cp.counters.pages,
            records: cp.counters.records,
        });
        if cursor.as_deref().is_some_and(|c| c.done) {
            cp.stop_reason = Some(ROW_ORDER.into());
            return Ok(());
        }
        if out.due() {
            out.save(cp).await?;
        }
    }
    cp.stop_reason = pages.stop_reason().map(|s| s.to_string());
    Ok(())
}

const ROW_ORDER: &str = "incremental row_order: the rest is out of range";

/// Sleeps until `deadline`; forever without one.
pub(crate) async fn sleep_until(deadline: Option<std::time::Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d.into()).await,
        None => futures::future::pending().await,
    }
}
