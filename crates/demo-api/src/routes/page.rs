//! Page-number styles: `/page`, `/page0`, `/page/no-total`, `/posts`; also the
//! page parsing reused by the link styles.

use std::fmt::Write as _;

use axum::Json;
use serde_json::{Value, json};

use crate::{
    error::ApiError,
    pages::{JsonObject, Window, total_pages},
    params::Ctx,
};

/// A parsed `page` / `page_size` request.
#[derive(Debug, Clone, Copy)]
pub(super) struct PageRequest {
    /// The page number as the client numbers pages (1-based or 0-based).
    pub(super) page: u64,
    /// The effective (clamped) page size.
    pub(super) size: u64,
    /// Whether the request named a page size (links then repeat it).
    pub(super) size_given: bool,
    /// The records of this page.
    pub(super) window: Window,
}

impl PageRequest {
    /// 1-based `page` (default 1; 0 is rejected).
    pub(super) fn one_based(ctx: &Ctx) -> Result<Self, ApiError> {
        let page = ctx.params.u64("page")?.unwrap_or(1);
        let index = page
            .checked_sub(1)
            .ok_or_else(|| ApiError::bad_request("page must be >= 1"))?;
        Self::build(ctx, page, index)
    }

    /// 0-based `page` (default 0).
    pub(super) fn zero_based(ctx: &Ctx) -> Result<Self, ApiError> {
        let page = ctx.params.u64("page")?.unwrap_or(0);
        Self::build(ctx, page, page)
    }

    fn build(ctx: &Ctx, page: u64, index: u64) -> Result<Self, ApiError> {
        let size = ctx.size("page_size")?;
        Ok(Self {
            page,
            size,
            size_given: ctx.params.has("page_size"),
            window: Window::page(ctx.state.records, index, size),
        })
    }

    /// Number of pages in the collection.
    pub(super) fn total_pages(&self) -> u64 {
        total_pages(self.window.total, self.size)
    }

    /// Relative link to page `page` of `path`, repeating `page_size` if the request had it.
    pub(super) fn link(&self, path: &str, page: u64) -> String {
        let mut link = format!("{path}?page={page}");
        if self.size_given {
            let _ = write!(link, "&page_size={}", self.size);
        }
        link
    }

    /// Relative link to the next page, or `None` on the last page.
    pub(super) fn next_link(&self, path: &str) -> Option<String> {
        self.window
            .has_more()
            .then(|| self.link(path, self.page.saturating_add(1)))
    }

    /// `{"data", "page", "page_size", "total_pages", "total"}`.
    fn full_body(&self) -> JsonObject {
        JsonObject::new()
            .field("data", &self.window.items())
            .field("page", &self.page)
            .field("page_size", &self.size)
            .field("total_pages", &self.total_pages())
            .field("total", &self.window.total)
    }
}

/// `GET|POST /page` (1-based) → `{"data", "page", "page_size", "total_pages", "total"}`.
pub(crate) async fn page_one_based(ctx: Ctx) -> Result<JsonObject, ApiError> {
    Ok(PageRequest::one_based(&ctx)?.full_body())
}

/// `GET /page0` (0-based) → same shape as `/page`.
pub(crate) async fn page_zero_based(ctx: Ctx) -> Result<JsonObject, ApiError> {
    Ok(PageRequest::zero_based(&ctx)?.full_body())
}

/// `GET /page/no-total` (1-based) → `{"data"}`.
pub(crate) async fn no_total(ctx: Ctx) -> Result<Json<Value>, ApiError> {
    let request = PageRequest::one_based(&ctx)?;
    Ok(Json(json!({ "data": request.window.items() })))
}

/// `GET /posts` (1-based) → a bare array of records.
pub(crate) async fn posts(ctx: Ctx) -> Result<Json<crate::pages::Items>, ApiError> {
    Ok(Json(PageRequest::one_based(&ctx)?.window.items()))
}
