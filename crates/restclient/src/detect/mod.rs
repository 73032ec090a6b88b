//! Auto-detection of the paginator and of the record list from the first response.
//!
//! When a walk has no paginator (on the call or the client), [`paginate`](crate::Paginate) sends
//! the first request as given, then asks [`paginator_for`] how to go on; when it has no data
//! selector, [`records`] says where the records are. Both work on any [`Response`], so they can
//! also be used to write a configuration once (the CLI's `inspect` prints the result in dlt's
//! `rest_api` form).
//!
//! ```
//! use restclient::{Response, detect};
//!
//! let body = br#"{"data": [{"id": 1}], "pagination": {"next": "/items?page=2"}}"#;
//! let response = Response::from_parts(200, vec![], "https://api.example.com/items", body.to_vec())?;
//! let found = detect::paginator(&response).unwrap();
//! assert_eq!(found.describe(), serde_json::json!({"type": "json_link", "next_url_path": "pagination.next"}));
//! assert_eq!(found.source, "`pagination.next`");
//! assert_eq!(detect::records(response.json()?).as_str(), "data");
//! # Ok::<(), restclient::Error>(())
//! ```
//!
//! # Paginators, in the order they are tried
//!
//! dlt's order (header link, body link, page number, cursor, single page) is kept where it is
//! right and extended; the first rule that matches wins. The request that was sent counts as
//! much as the response: what the caller typed (the URL's query, `.param(...)`, `-p`, a JSON
//! body) names the parameters the API reads, and a response alone often cannot.
//!
//! 1. **`Link` header** with relation `next` (RFC 8288: case-insensitive, several relations per
//!    link; `rel='next'` in single quotes, as some servers send it, too) → `header_link`.
//! 2. **Next link in the body**: a string that looks like a URL or a path (it starts with
//!    `http://`, `https://`, `/` or `?`, or is a relative path with a query) under a key whose
//!    name starts with `next` once a leading `@`, `_` or `odata.` is removed (`next`,
//!    `next_url`, `next_page_url`, `nextLink`, `@odata.nextLink`, `__next`, `nextRecordsUrl`,
//!    `next_page_uri`, ...), at the top level or nested (`links.next` of JSON:API,
//!    `_links.next.href` of HAL, `paging.next` of Facebook, `pagination.next_url`, `meta.next`,
//!    `links.pages.next` of DigitalOcean, ...), or in an object under such a key (`href`, `url`,
//!    `link`, `uri`, `@href`), or in a `links`/`link`/`<name>_links` array entry whose `rel` (or
//!    `relation`) is `next` (selector `links[?(@.rel=='next')].href`) → `json_link`. A token
//!    that is not URL-like is a cursor, not a link; a URL under an unusual `next...` key counts
//!    only beside a list of records. HAL's `"templated": true` link is a URI template
//!    (`?page=1{&sort}`, Spring Data REST), not a URL: the page rules decide there. A
//!    "load more" URL (`load_more_...`, `more_..._url`: Discourse) beside the records is one.
//! 3. **A link API on its last page**: a null next link beside first/last/prev links (or, as
//!    DRF sends it, beside a `previous` key where no page number competes); no next link at all
//!    in an object of first/last/prev links (DigitalOcean's `links.pages`, JSON:API, HAL); a
//!    `Link` header with first/last/prev and no next; Bitbucket's envelope (`pagelen`,
//!    `values`) without `next`; an OData collection (`@odata.context` and `value`) without
//!    `@odata.nextLink`, an OData v2 `{"d": {"results": [...]}}` without `d.__next`, a `value`
//!    list alone without `nextLink` (Azure Resource Manager, Data API builder; not beside a
//!    continuation header), unless the request pages by `$skip` → that link paginator, which ends
//!    after this page. These come before cursors: a link API's last page may still carry
//!    its cursors (Facebook's `paging.cursors` beside `paging.previous`). Not where the
//!    request sent a page number and the body counts the pages (`pagesTotal`): the page walk
//!    is shown to work there, the link walk is not.
//! 4. **A token answering the request** → `cursor`, sent back where the request sent it: the
//!    same name as a cursor parameter the request sent (`cursor`, `Marker`, `continue`,
//!    `bookmark`), or `next` and that name (`nextCursorMark` answers `cursorMark=*`,
//!    `nextPageToken` answers `pageToken`, `next-cursor` answers `cursor=*`,
//!    `next_page_offset` answers `offset`), or the `end` of a `start`/`end` pair answering the
//!    token the request started `from` (Matrix). Elasticsearch's `search_after` in the request
//!    continues after the last hit's `sort`.
//! 5. **Cursor in the body** → `cursor`, sent back under the name the API expects:
//!
//!    | response key | request parameter | API |
//!    |---|---|---|
//!    | `next_cursor`, `nextCursor`, `next_page_cursor`, `cursor.next`, `cursors.next`, `next` (a token) | `cursor` | Slack (`response_metadata.next_cursor`), many |
//!    | `next_cursor` at the top of a body with `"object": "list"` | `start_cursor` | Notion |
//!    | `cursor` (top level, or in the page's metadata: `pagination`, `meta`, `result_info`) | `cursor` (`after` when the request sized the page with `first`) | Square, Twitch, Cloudflare |
//!    | `paging.next.after`, `cursors.after`, `after` next to `before` | `after` | HubSpot, Facebook, Reddit |
//!    | `pages.next.starting_after` | `starting_after` | Intercom |
//!    | `pageInfo.endCursor` | `after` | Relay-style |
//!    | `nextPageToken` | `pageToken` | Google APIs |
//!    | `nextPageToken` when the body has `isLast` | `nextPageToken` | Jira Cloud (`search/jql`) |
//!    | `next_page_token` | `page_token` (AIP-158) | Databricks, Alpaca |
//!    | `next_page_token` beside a page count or current page | `next_page_token` | Zoom |
//!    | `nextToken`, `NextToken`, `next_token`, `NextPageToken` | the same name | AWS, X (Twitter) search |
//!    | `NextMarker`; `nextMarker`, `next_marker` | `Marker`; `marker` | AWS Lambda and KMS; OpenStack, Box |
//!    | `metadata.continue` | `continue` | Kubernetes |
//!    | `bookmark`, `position`, `$skipToken`, `pageToken` | the same name | CouchDB's `_find`, Pinterest; AWS API Gateway; Azure Resource Graph; BigQuery |
//!    | `next_batch` | `since` | Matrix |
//!    | `next_offset`, `next_page_offset` (a token) | `offset` | Qdrant's scroll |
//!    | `offset` holding a string | `offset` | Airtable |
//!    | `continuationToken`, `continuation_token` | the same name | Azure |
//!    | `next_page`, `nextPage` (a token, or a number with no page count beside it) | `page` | Stripe search, page APIs |
//!
//!    A name known only by convention is spelled as the request spells its paging parameters
//!    (`NextToken` goes back as `next_token` to an API that took `per_page`), and goes beside
//!    them when the request keeps them together (`page[size]=30` gives `page[cursor]`,
//!    `listOptions.limit` gives `listOptions.continue`, a body's `options.$top` gives
//!    `options.$skipToken`). HubSpot's `paging.next` carries both `after` and a `link` that
//!    holds only `?after=...`; the cursor wins there because following the link would drop the
//!    caller's other query parameters. A `has_more`, `hasMore`, `has_next`, `hasNextPage`,
//!    `more` or `Truncated` flag next to the cursor (or at the top level) becomes
//!    `has_more_path`, so a cursor that is always set (as Notion's and some others are) still
//!    ends the walk.
//! 6. **A known envelope's cursor**, on any page, the last included (where the cursor is left
//!    out): Google's `kind: "drive#fileList"` lists (`nextPageToken`, sent as `pageToken`),
//!    AWS's `Truncated`/`IsTruncated` (`NextMarker`, sent as `Marker`), Atlassian Server's
//!    `isLastPage` envelope (`nextPageStart`, sent as `start`) → `cursor`.
//! 7. **The request's offset window**: an offset and a size it sent, under any of the usual
//!    names and spellings (`from`/`size`, `offset`/`limit`, `start`/`rows`, `skip`/`take`,
//!    `$skip`/`$top`, `first`/`max`, `start_offset`/`max_hits`, `page[offset]`/`page[limit]`,
//!    `sysparm_offset`/`sysparm_limit`, `Offset`/`Limit` in a JSON body) → `offset` with those
//!    names and places, to the item total the body reports if any, else to an empty page.
//! 8. **Page number with a page count**: the current page (`page`, `current_page`,
//!    `currentPage`, `page_number`, `pageNumber`, `pageIndex`, `page_no`, App Search's
//!    `page.current`, or Spring Data's `number` next to `totalPages`) and the number of pages
//!    (`total_pages`, `totalPages`, `last_page`, `pages`, `page_count`, `num_pages`, `nbPages`,
//!    ...; key names are compared without case, `_` or `-`) → `page_number` that continues at
//!    the page after the current one and stops after the last: the first page of a 1-based API
//!    is not fetched twice and its last page is not skipped. The base is 0 when the API reports
//!    page 0 or uses Spring Data's 0-based `number`, else 1 (Laravel's `current_page`/
//!    `last_page` is 1-based). A numeric `next_page` beside them (Hetzner) is part of the count.
//! 9. **The request's page number** (`page=2`, `_page=1`, `p=1`, `page[number]=1`,
//!    `PageNumber=1`, `{"page": {"current": 1}}`) → `page_number` on that parameter, to the
//!    page count the body reports if any, else to an empty page or a false `has_more`.
//! 10. **Offset in the body**: `offset`/`limit`, `startAt`/`maxResults` (Jira), `skip`/`top`,
//!     `$skip`/`$top`, `skip`/`limit`, `skip`/`take`, `start`/`limit` (Confluence),
//!     `start`/`rows`, `from`/`size`, `startIndex`/`itemsPerPage` (SCIM, sent as `count`) in one
//!     object, with a total (`total`, `total_count`, `totalCount`, `totalResults`, `totalSize`,
//!     `numFound`, `total_entries`, `@odata.count`, ..., or `count` when it exceeds the records
//!     of the page) → `offset` that continues at `offset + limit` with the limit the server
//!     reported. Without a total, the walk ends on an empty page or a false `has_more`.
//! 11. **A size the request sent with an item total**: a limit (`limit`, `rows`, `size`,
//!     `take`, `$top`, `maxResults`, `hits`, `max_hits`, `num`) with a total in the body or in a
//!     header (`X-Total-Count`, `X-Total`, `X-WP-Total`) → `offset`, its offset named as the
//!     body reports it, else as the usual partner of the limit (`rows`/`start`, `size`/`from`,
//!     `take`/`skip`, `limit`/`offset`; CouchDB's `offset` beside `total_rows` is sent as
//!     `skip`).
//! 12. **A search engine's response** with no window in the request: Solr (`start`/`rows`, 10
//!     a page), Quickwit (`start_offset`/`max_hits`, 20), Vespa (`offset`/`hits`, 10), the
//!     npm registry (`from`/`size`, 20); Elasticsearch and OpenSearch only when the request
//!     names `from` or `size` (a bare `_search` is the one page it asked for) → `offset` (a
//!     guess at the page size, logged at WARN).
//! 13. **GraphQL arguments**: a query that pages by `offset: $o` and `limit: $l` (or `first`,
//!     `take`) variables, or by `page: $p` → `offset` or `page_number` on those variables.
//! 14. **Page number without a page count**: a current page next to a page size, an item total
//!     or a `has_more` flag, or with a page size the request sent → `page_number` that ends on
//!     an empty page or a false `has_more`.
//!     A page count without a current page is taken as a 1-based API (a guess, logged at WARN).
//! 15. **Stripe lists**: `"object": "list"` with `has_more` → `cursor` reading the last record's
//!     `id` (`data[-1].id`) into `starting_after`, with `has_more_path`. Other bodies whose only
//!     signal is `has_more` are not guessed at: the walk fetches one page and says so at WARN.
//! 16. **Page headers**: a page count (`X-Total-Pages`, `X-WP-TotalPages`,
//!     `X-Pagination-Page-Count`) with the current page (`X-Page`, `X-Current-Page`) or alone
//!     → `page_number`.
//! 17. **Cursor header**: `X-Next-Cursor` or `Next-Cursor` (`cursor`), `x-ms-continuationtoken`
//!     (`continuationToken`), a vendor's `X-Nomad-NextToken` (`next_token`) or Oracle Cloud's
//!     `opc-next-page` (`page`), a `next` header holding a token (`cursor`), GitLab's
//!     `X-Next-Page` (`page`) → `header_cursor`. A header holding a token (not a number) is
//!     tried before the request's windows (rule 7): `x-ms-continuationtoken` answering `$top`.
//! 18. **Range headers**: `Content-Range: 0-24/3573` (PostgREST) and `X-Pagination-Offset`/
//!     `-Limit` → `offset`; not when the request sent its window as one value (`range=[0, 24]`
//!     of react-admin's simple REST, a `Range` header), which no offset walk sends.
//! 19. Any other key starting with `next` that holds a token (not a time, beside a list of
//!     records) → `cursor` with `cursor` (dlt's rule; a guess, logged at WARN).
//! 20. A known link or cursor key that is null or empty on the first page → that paginator (it
//!     ends after this page, and `inspect` shows what the API uses).
//! 21. **Counts in headers alone** (nothing sent): a page-size header (`per-page`,
//!     `X-Per-Page`) → `page_number` on `page`, 1-based; an item-total header → `offset` of
//!     this page's size (a guess). Both end on an empty page.
//! 22. **A size the request's query sent, alone** (`?count=50`, no position sent, no total):
//!     `offset` under the offset of the size's family (`limit`/`count` → `offset`, `rows` →
//!     `start`, `size` → `from`, `take`/`top` → `skip`), or `page_number` for a per-page size
//!     (`per_page`, `pageSize`); it ends on an empty page. A guess: the other offset names and
//!     the page walk are the alternatives.
//! 23. **An item total and nothing else** at the envelope's level (`total_entries`) → `offset`
//!     (`offset`/`limit`) of this page's size, to that total; the page walk is the alternative.
//!     Where a link of the page to itself or its ends shows a window in its query (`self`,
//!     `first`, a `links` entry's `href`: `?limit=10&offset=0`), that window's names and size.
//!
//! Rules 21 to 23 read what any offset or page API must show (a size the request chose, a total
//! at least the page's records) where nothing names a position; they come after every rule that
//! reads a position from the response, so they only decide where nothing else does.
//!
//! What generalises across names: a request parameter's role (page, offset, size, cursor) comes
//! from its name in any spelling, including the word a compound name ends with (`maxPageSize`,
//! `recordOffset`, `syncToken`, `currentPage`); an item total is any name that totals or counts
//! the things a list holds (`totalRecords`, `recordCount`, an `X-<vendor>-Total-Records`
//! header), never a page count or an amount; an offset window the body echoes under names no
//! pair lists (`skip`/`count`) is known by those roles beside a total; a token under the very
//! name of a parameter that asked for one (`scroll: true`, `cursorMark=*`) answers it; Relay's
//! `endCursor` beside `hasNextPage` goes back as `after` also in REST metadata; a limit of 0
//! (every record) is the page's own size; a per-page size the request sent (`per_page`) makes
//! the walk a page walk whatever offset the body reports. GraphQL variables are found by the
//! role of the argument the query binds them to (`nextToken: $token`, `startIndex: $s`, or a
//! page-options input object's `cursor`), and a cursor written into the query text
//! (`after: "NQ=="`) gives no paginator: no variable can carry the next one.
//!
//! Nothing found gives `None`: the walk fetches a single page, with a WARN when the records are
//! a list (the walk may be incomplete) and at INFO for a single object.
//!
//! When the first request is a POST (or PUT, PATCH) with a JSON object body, the page, offset,
//! limit and cursor go into the body under the same names, as search endpoints expect (inside
//! the body's `options`, `pagination` or `paging` object if it has one, as mongoose-paginate's
//! `{"query": {}, "options": {}}`). A parameter the caller already sent (e.g. `$top`) keeps its
//! name and its place.
//!
//! # Conventions learnt from real first pages
//!
//! The rules above are the `RULES` table in this module's source, tried in order (a new
//! convention is one rule there and one entry in `tests/data/detect-corpus/`). They are
//! written by convention family, not by API, and checked against a corpus of first pages from
//! public API documentation, scored on the pages they were tuned on and, apart, on a third
//! held out of tuning. They also know:
//!
//! * **GraphQL** (`{"query": "...{...}", "variables": {...}}`): a connection's
//!   `pageInfo.endCursor`, at any depth, goes into the variable the query passes as `after:`
//!   (`after: $page` gives `variables.page`), with `hasNextPage` as `has_more_path`; the
//!   connection's `edges` or `nodes` are the records.
//! * **Key-value scans.** `LastEvaluatedKey` goes back whole as `ExclusiveStartKey`.
//! * **Incremental exports.** `after_cursor` (beside `after_url`) is a cursor, and an
//!   `end_of_stream` flag beside it becomes the cursor paginator's `end_of_stream_path` (a
//!   restclient extension of dlt's form): the walk stops on the page that says its stream ended,
//!   although the cursor is still set there.
//! * **dlt's three detector shapes**: a numeric `next_id` beside the records (a cursor), a next
//!   URL one level down (`{"next": {"urlNext": ...}}`), a page count alone (`{"TotalPages": 3}`,
//!   key names compared without case).
//! * **More names for the same signals.** `has_more_page` (Zoho Books) and `more_records` (Zoho
//!   CRM) are `has_more` flags; `found` (Typesense) and `totalHits` (Meilisearch) are item
//!   totals. Meilisearch's `estimatedTotalHits` is deliberately not: it is capped, so a walk that
//!   stopped at it could end early.
//! * PayPal's `rel: "next_page"` is a next link.
//!
//! # Confidence and alternatives
//!
//! A [`Detection`] says which rule decided ([`Detection::rule`], logged at INFO), how sure it is
//! ([`Detection::confidence`]) and what else was considered ([`Detection::alternatives`]): the
//! findings of the later rules that also matched, and, where a parameter name was only a
//! convention, the same paginator under the names other APIs use (`after_id` for `after`,
//! `paginationToken` for `pageToken`, `skip` for `offset`, ...). The CLI's `inspect` prints
//! them, each with the `--paginator` flag that selects it ("also possible: ..."), so a user can
//! copy the right SPEC when detection cannot be sure.
//!
//! # Confirmation by the second request
//!
//! A first page alone cannot decide many conventions (a bare list, a full page of the size the
//! user asked for, `page` or `offset`, a token's parameter name); the API can. [`confirm`]
//! sends the second request of the best few candidates, at most [`MAX_PROBES`] and never two
//! for one candidate, and keeps the first the API confirms: page 2 answers 2xx with records
//! where page 1 had them, not page 1's records again (compared by their text) and, for a range
//! walk (offset, page), none of page 1's. A candidate whose page 2 repeats page 1 (the API
//! ignored the parameter), fails (4xx) or is empty is rejected and the next tried. The
//! candidates, in order: the detected paginator (a page walk the request did not number first
//! with its lower base), the same walk under its family's other spellings (a token sent back
//! under the name it came in, `starting_after` for a `has_more` list, `PageIndex` →
//! `pageIndex`), the rules' alternatives, and, where the detection is a guess or there is none,
//! the common position parameters of the families the request's size suggests (`page`,
//! `offset`, `skip`, `start`, `from`, `starting_after`/`after` with the last record's `id`, a
//! `cursor` on each record), each family's first name before a second one of any. Where a
//! confident rule says page 1 is the last (a `Link` header without `next`), only two of its
//! alternatives are asked.
//!
//! Only a GET, or a POST of a GraphQL query (never a mutation), is sent again: any other
//! request to an unknown API could change something ([`unsafe_to_probe`]). The sending is the
//! caller's: the CLI's `inspect` sends with its client (auth, retries, pacing), a walk never
//! probes (its own second request is the probe, and its loop guard catches a repeat).
//!
//! ```
//! use restclient::{Method, Request, Response, detect, selector::Selector};
//! # use std::task::{Context, Poll, Waker};
//! // A bare list and a request that sent nothing: the first page says nothing of paging.
//! let first = Response::from_parts(200, vec![], "https://h/items", br#"[{"id": 1}, {"id": 2}]"#.to_vec())?;
//! let request = Request::new(Method::GET, "https://h/items".parse().unwrap());
//! assert!(detect::paginator_for(&request, &first).is_none());
//! // An API that reads `page` and ignores what it does not know.
//! let api = |r: Request| {
//!     let body: &[u8] = match r.param("page") {
//!         Some("2") => br#"[{"id": 3}, {"id": 4}]"#,
//!         _ => br#"[{"id": 1}, {"id": 2}]"#,
//!     };
//!     std::future::ready(Response::from_parts(200, vec![], r.full_url().as_str(), body.to_vec()))
//! };
//! let selector = Selector::new("$")?;
//! let confirming = detect::confirm(&request, &first, &selector, None, api);
//! # let Poll::Ready(confirmation) = std::pin::pin!(confirming).as_mut().poll(&mut Context::from_waker(Waker::noop())) else { unreachable!() };
//! // `let confirmation = confirming.await;` in async code.
//! assert_eq!(confirmation.chosen().unwrap().paginator["page_param"], "page");
//! assert_eq!(confirmation.summary(), "confirmed by page 2: 2 new records");
//! # Ok::<(), restclient::Error>(())
//! ```
//!
//! # Records
//!
//! See [`records`].

mod confirm;
mod data_selector;
mod keys;
mod rules;
mod scan;
mod sent;
mod sizes;

use serde_json::Value;

use crate::paginators::{Paginator, SinglePagePaginator};
use crate::request::Request;
use crate::response::Response;
use crate::selector::Selector;

pub use confirm::{Confirmation, MAX_PROBES, Probe, ProbeOutcome, confirm, unsafe_to_probe};
use data_selector::path_text;
pub use data_selector::records;
use keys::{HAS_MORE_KEYS, key_is, members};
use scan::Scan;

/// A paginator detected from a first response.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Detection {
    /// The paginator, ready to continue the walk from the second request on: the caller calls
    /// its `init_request` on the request that was sent, then `update_state` with the first
    /// response, as the walk does.
    pub paginator: Box<dyn Paginator>,
    /// How sure the rule is: 1.0 for a next link, about 0.9 for a cursor, page or offset under a
    /// well-known key, 0.5 or less for a guess.
    pub confidence: f32,
    /// What it was detected from: the body keys (``"`pagination.next`"``) or the header.
    pub source: String,
    /// The name of the rule that decided (see the module docs), e.g. `"body_link"`.
    pub rule: &'static str,
    /// The other paginators the rules found in the same response, best first: where detection
    /// cannot be sure, one of them may be the right one (the CLI's `inspect` prints them so a
    /// user can copy the right SPEC).
    pub alternatives: Vec<Alternative>,
}

/// A paginator another rule found in the same response, not chosen (see
/// [`Detection::alternatives`]).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Alternative {
    /// The paginator in dlt's `rest_api` form.
    pub paginator: Value,
    /// How sure that rule is (as [`Detection::confidence`]).
    pub confidence: f32,
    /// What it was detected from.
    pub source: String,
    /// The rule that found it.
    pub rule: &'static str,
}

impl Detection {
    fn new(paginator: impl Paginator, confidence: f32, source: String) -> Self {
        Detection {
            paginator: Box::new(paginator),
            confidence,
            source,
            rule: "",
            alternatives: Vec::new(),
        }
    }

    /// The paginator in dlt's `rest_api` form, e.g.
    /// `{"type": "json_link", "next_url_path": "pagination.next"}`.
    #[must_use]
    pub fn describe(&self) -> Value {
        self.paginator.describe()
    }
}

/// Detects the paginator of `response`, taking the first request to have been a plain GET with
/// no page, offset or cursor parameter. `None` when the response shows no way to the next page.
///
/// ```
/// use restclient::{Response, detect};
/// let graph = br#"{"value": [{"id": "1"}], "@odata.nextLink": "https://graph.microsoft.com/v1.0/users?$skiptoken=X"}"#;
/// let r = Response::from_parts(200, vec![], "https://graph.microsoft.com/v1.0/users", graph.to_vec())?;
/// assert_eq!(detect::paginator(&r).unwrap().describe()["next_url_path"], "$['@odata.nextLink']");
///
/// let bare = Response::from_parts(200, vec![], "https://h/items", b"[1, 2]".to_vec())?;
/// assert!(detect::paginator(&bare).is_none());
/// # Ok::<(), restclient::Error>(())
/// ```
#[must_use]
pub fn paginator(response: &Response) -> Option<Detection> {
    Scan::new(None, response).detect()
}

/// Detects the paginator of `response` to `request` (the request that was sent): its method and
/// body decide whether values go to the query or the JSON body, and the parameters it carried
/// keep their names.
///
/// ```
/// use restclient::{Method, Request, Response, detect};
/// // A 1-based page API: the first request carried no page, the body says page 1 of 3.
/// let body = br#"{"data": [1], "page": 1, "total_pages": 3}"#;
/// let r = Response::from_parts(200, vec![], "https://h/items", body.to_vec())?;
/// let mut request = Request::new(Method::GET, "https://h/items".parse().unwrap());
/// let mut found = detect::paginator_for(&request, &r).unwrap();
/// found.paginator.init_request(&mut request)?;
/// found.paginator.update_state(&r, Some(&[serde_json::json!(1)]))?;
/// found.paginator.update_request(&mut request)?;
/// assert_eq!(request.full_url().as_str(), "https://h/items?page=2");
/// # Ok::<(), restclient::Error>(())
/// ```
#[must_use]
pub fn paginator_for(request: &Request, response: &Response) -> Option<Detection> {
    Scan::new(Some(request), response).detect()
}

/// A detection at least this confident is logged as found (INFO); below it, as a guess (WARN),
/// and `inspect`'s second request can refute it.
pub(crate) const SURE: f32 = 0.7;

/// Detects the paginator for the walk and logs the decision; a single page when nothing fits.
pub(crate) fn for_walk(
    request: &Request,
    response: &Response,
    selector: &Selector,
) -> Box<dyn Paginator> {
    let url = response.redacted_url();
    if let Some(found) = paginator_for(request, response) {
        let description = found.describe();
        let alternatives: Vec<String> = found
            .alternatives
            .iter()
            .map(|a| a.paginator.to_string())
            .collect();
        if found.confidence >= SURE {
            tracing::info!(
                paginator = %description,
                rule = found.rule,
                source = %found.source,
                // Display, not the f32 widened: `0.6`, not 0.6000000238418579.
                confidence = %found.confidence,
                alternatives = ?alternatives,
                "detected the paginator from {} in the first response from {url} (rule `{}`): {description}",
                found.source,
                found.rule
            );
        } else {
            tracing::warn!(
                paginator = %description,
                rule = found.rule,
                source = %found.source,
                // Display, not the f32 widened: `0.6`, not 0.6000000238418579.
                confidence = %found.confidence,
                alternatives = ?alternatives,
                "guessed the paginator from {} in the first response from {url} (rule `{}`): {description}; \
                 check the walk, or set a paginator (`--paginator SPEC` on the command line, \
                 `paginator` in code or a config)",
                found.source,
                found.rule
            );
        }
        // An incremental export that says its stream ended has no next page, although its
        // cursor is set (Zendesk's `end_of_stream`): the walk stops after this page, whatever
        // paginator was found (a detected cursor also reads the flag on later pages).
        if let Some(flag) = response.json().ok().and_then(end_of_stream) {
            tracing::info!(
                "`{flag}` is true in the first response from {url}: fetching a single page"
            );
            return Box::new(SinglePagePaginator::new());
        }
        return found.paginator;
    }
    let body = response.json().ok();
    let is_list = body
        .and_then(|b| selector.first(b))
        .is_some_and(Value::is_array);
    if is_list {
        let note = body.and_then(has_more_note).unwrap_or_default();
        tracing::warn!(
            "no pagination found in the first response from {url}: fetching a single page, so the \
             walk may be incomplete{note}. Set a paginator (`--paginator SPEC` on the command \
             line, `paginator` in code or a config) if the API has more pages"
        );
    } else {
        tracing::info!(
            "the response from {url} is a single object with no pagination: fetching a single page"
        );
    }
    Box::new(SinglePagePaginator::new())
}

/// The path of a true end-of-stream flag in `body` (`end_of_stream`, `endOfStream`), if any.
fn end_of_stream(body: &Value) -> Option<String> {
    members(body)
        .into_iter()
        .find(|m| {
            keys::key_is(m.key(), keys::END_OF_STREAM_KEYS)
                && crate::paginators::parse_bool(m.value) == Some(true)
        })
        .map(|m| path_text(&m.path))
}

/// A hint for the fallback warning when the body says there is more but not how to get it.
fn has_more_note(body: &Value) -> Option<String> {
    members(body)
        .into_iter()
        .find(|m| {
            key_is(m.key(), HAS_MORE_KEYS) && crate::paginators::parse_bool(m.value) == Some(true)
        })
        .map(|m| {
            format!(
                " (`{}` is true, but the response carries no cursor, next link, page or offset)",
                path_text(&m.path)
            )
        })
}

/// One detection rule: a name (logged at INFO and shown by `inspect`) and the function that
/// looks for its convention in the first response.
struct Rule {
    name: &'static str,
    detect: fn(&Scan<'_>) -> Option<Detection>,
}

const fn rule(name: &'static str, detect: fn(&Scan<'_>) -> Option<Detection>) -> Rule {
    Rule { name, detect }
}

/// The rules in the order they are tried (see the module docs): the first that matches wins,
/// the later ones that match too become its alternatives. A new convention is one entry here
/// (its function in `rules.rs`) and one corpus entry.
const RULES: &[Rule] = &[
    // 1. `Link: <...>; rel="next"`.
    rule("header_link", |s| s.header_link()),
    // 2. A next link in the body (`next`, `links.next`, `_links.next.href`, `@odata.nextLink`).
    rule("body_link", |s| s.body_link()),
    // 3. A null next link among first/last/prev links: the only page of a link API.
    rule("empty_link", |s| s.empty_link()),
    // 4. No next link where first/last/prev links are (body or `Link` header), Bitbucket's
    //    envelope without `next`: the last page of a link API.
    rule("absent_link", |s| s.absent_link()),
    // 5. A token answering a parameter the request sent (`cursorMark=*` → `nextCursorMark`,
    //    `continue=...` → `metadata.continue`, `from=...` → `end`); `search_after`.
    rule("request_answer", |s| s.request_answer()),
    rule("search_after", |s| s.search_after()),
    // 6. A cursor under a known key, sent back under the name the API expects (after the
    //    link rules: a link API's last page may still carry a cursor, as Facebook's does).
    rule("body_cursor", |s| s.body_cursor()),
    // 7. A known envelope's cursor, also on the last page where the cursor is left out
    //    (Google's `kind: "...List"`, AWS's `Truncated`, Bitbucket Server's `isLastPage`).
    rule("envelope_cursor", |s| s.envelope_cursor()),
    // 7b. A token in a cursor header (`x-ms-continuationtoken`), before the request's windows:
    //     it is the API's own word on the next page. Numbers wait for the page rules.
    rule("header_token", |s| s.header_cursor(true)),
    // 8. An offset and a size the request sent (`from=0&size=20`): its own window, whatever
    //    page counts the body also reports.
    rule("request_offset", |s| s.request_offset()),
    // 9. A current page with a page count.
    rule("page_count", |s| s.page_number(true)),
    // 10. A page number the request sent.
    rule("request_page", |s| s.request_page()),
    // 11. An offset and a limit reported in one object.
    rule("offset", |s| s.offset()),
    // 12. An offset window the request opened (`rows=5`) with an item total in the body.
    rule("request_window", |s| s.request_window()),
    // 13. A search engine's response: its own window names and default size.
    rule("search_engine", |s| s.search_engine()),
    // 14. GraphQL arguments that page by offset or page number.
    rule("graphql_window", |s| s.graphql_window()),
    // 15. A current page with a page size, an item total or `has_more`; or a page count alone.
    rule("page_number", |s| s.page_number(false)),
    // 16. Stripe's list object: the last record's id.
    rule("stripe_list", |s| s.stripe_list()),
    // 17. A page window in headers (`X-Page` and `X-Total-Pages`, `X-WP-TotalPages`).
    rule("header_pages", |s| s.header_pages()),
    // 18. A cursor in a header (`X-Next-Cursor`, `x-ms-continuationtoken`, `X-Nomad-NextToken`).
    rule("header_cursor", |s| s.header_cursor(false)),
    // 19. An offset window in headers (`Content-Range`, `X-Pagination-Offset`).
    rule("range_headers", |s| s.range_headers()),
    // 19b. Counts in headers alone (`per-page`, `total`): pages of that size, or a window.
    rule("header_counts", |s| s.header_counts()),
    // 20. Any other `next...` key holding a token (dlt's rule).
    rule("any_next_token", |s| s.any_next_token()),
    // 21. A known link or cursor key that is null or empty: that paginator, on its last page.
    rule("empty_next", |s| s.empty_next()),
    // 22. A page size the request's query sent, alone (`?count=50`): offset or page by its
    //     family. After every rule that reads a position from the response.
    rule("request_size", |s| s.request_size()),
    // 23. An item total and nothing else (`total_entries`): a window of this page's size.
    rule("total_only", |s| s.total_only()),
];

#[cfg(test)]
mod corpus_tests;

#[cfg(test)]
mod tests {
    use super::keys::{is_next_key, looks_like_url};
    use super::*;
    use serde_json::json;

    #[test]
    fn records_follow_dlt_where_it_is_right() {
        let cases = [
            (json!([1, 2]), json!([1, 2])),
            // Metadata is never the records (dlt picks `meta.data` here).
            (json!({"meta": {"data": [1]}, "rows": [2]}), json!([2])),
            // A record key wins over the first list in document order.
            (json!({"tags": ["a"], "items": [3]}), json!([3])),
            (
                json!({"a": {"b": {"c": {"d": [1]}}}}),
                json!([{"a": {"b": {"c": {"d": [1]}}}}]),
            ),
            (
                json!({"count": 2, "items": [3, 4], "links": []}),
                json!([3, 4]),
            ),
            (json!({"x": 1}), json!([{"x": 1}])),
            // Without a record key, a list of objects beats a list of scalars.
            (
                json!({"tags": ["a"], "users": [{"n": 1}]}),
                json!([{"n": 1}]),
            ),
            // Record keys in any case (AWS's `Items`).
            (
                json!({"Tags": [{"k": "v"}], "Items": [{"n": 1}]}),
                json!([{"n": 1}]),
            ),
        ];
        for (body, want) in cases {
            let s = records(&body);
            assert!(
                !s.as_str().contains('['),
                "dotted form expected: {}",
                s.as_str()
            );
            assert_eq!(Value::Array(s.records(&body)), want, "{body}");
        }
    }

    fn detect_json(url: &str, body: Value) -> Option<Detection> {
        let response =
            Response::from_parts(200, vec![], url, body.to_string().into_bytes()).ok()?;
        let request = Request::new(reqwest::Method::GET, url.parse().ok()?);
        paginator_for(&request, &response)
    }

    /// The three shapes dlt's own detector tests expect (dlt's `test_detector.py`).
    #[test]
    fn dlt_detector_shapes() {
        let next_id = detect_json(
            "https://h/items",
            json!({"items": [{"id": 1}, {"id": 2}], "next_id": 3}),
        )
        .unwrap();
        assert_eq!(next_id.describe()["type"], "cursor");
        assert_eq!(next_id.describe()["cursor_path"], "next_id");
        assert_eq!(next_id.describe()["cursor_param"], "cursor");

        let nested = detect_json(
            "https://h/items",
            json!({"items": [1], "next": {"urlNext": "https://h/items?page=2"}}),
        )
        .unwrap();
        assert_eq!(nested.describe()["type"], "json_link");
        assert_eq!(nested.describe()["next_url_path"], "next.urlNext");

        let pages = detect_json("https://h/items", json!({"items": [1], "TotalPages": 3})).unwrap();
        assert_eq!(pages.describe()["type"], "page_number");
        assert_eq!(pages.describe()["total_path"], "TotalPages");
    }

    #[test]
    fn next_keys_of_a_single_object_are_no_pages() {
        // Times under `next...` keys, and links beside no list of records, page nothing.
        let entity = json!({"id": 7, "next_run_at": "2025-01-01T00:00:00Z",
                            "next_steps_url": "https://h/help", "nextBillingDate": "2025-02-01"});
        assert!(detect_json("https://h/jobs/7", entity).is_none());
        let list = json!({"jobs": [{"id": 7}], "next_run": "2025-01-01T00:00:00Z"});
        assert!(detect_json("https://h/jobs", list).is_none());
        // A relative link with a query is a link, not a token.
        let relative = detect_json(
            "https://h/api/items",
            json!({"items": [{"id": 1}], "next": "items?page=2"}),
        )
        .unwrap();
        assert_eq!(relative.describe()["type"], "json_link");
    }

    #[test]
    fn a_parameter_the_first_request_sent_is_the_one_to_advance() {
        let body = json!({"data": [1], "meta": {"next_token": "abc"}});
        let response = Response::from_parts(
            200,
            vec![],
            "https://h/tweets",
            body.to_string().into_bytes(),
        )
        .unwrap();
        let mut request = Request::new(reqwest::Method::GET, "https://h/tweets".parse().unwrap());
        request.append_param("pagination_token", "");
        let found = paginator_for(&request, &response).unwrap();
        assert_eq!(found.describe()["cursor_param"], "pagination_token");
    }

    #[test]
    fn key_value_scans_send_the_last_key_back_whole() {
        let body = json!({"Items": [{"id": {"S": "1"}}], "Count": 1,
                          "LastEvaluatedKey": {"id": {"S": "1"}}});
        let response = Response::from_parts(
            200,
            vec![],
            "https://dynamodb.us-east-1.amazonaws.com/",
            body.to_string().into_bytes(),
        )
        .unwrap();
        let mut request = Request::new(
            reqwest::Method::POST,
            "https://dynamodb.us-east-1.amazonaws.com/".parse().unwrap(),
        );
        request.set_body(Some(crate::request::Body::Json(
            json!({"TableName": "Music"}),
        )));
        let mut found = paginator_for(&request, &response).unwrap();
        assert_eq!(found.describe()["cursor_body_path"], "ExclusiveStartKey");
        found.paginator.init_request(&mut request).unwrap();
        found.paginator.update_state(&response, None).unwrap();
        found.paginator.update_request(&mut request).unwrap();
        assert_eq!(
            request.json().unwrap()["ExclusiveStartKey"],
            json!({"id": {"S": "1"}})
        );
    }

    #[test]
    fn a_guessed_parameter_name_comes_with_the_names_other_apis_use() {
        let found = detect_json(
            "https://h/v1/models",
            json!({"data": [{"id": "a"}], "first_id": "a", "last_id": "a", "has_more": true}),
        )
        .unwrap();
        assert_eq!(found.describe()["cursor_param"], "after");
        let names: Vec<&Value> = found
            .alternatives
            .iter()
            .map(|a| &a.paginator["cursor_param"])
            .collect();
        assert!(names.contains(&&json!("after_id")), "{names:?}");
        assert!(found.alternatives.iter().all(|a| !a.rule.is_empty()));
    }

    fn detect_post(url: &str, sent: Value, body: Value) -> Option<Detection> {
        let response =
            Response::from_parts(200, vec![], url, body.to_string().into_bytes()).ok()?;
        let mut request = Request::new(reqwest::Method::POST, url.parse().ok()?);
        request.set_body(Some(crate::request::Body::Json(sent)));
        paginator_for(&request, &response)
    }

    #[test]
    fn relay_end_cursors_in_rest_metadata_go_back_as_after() {
        let body = json!({"data": [{"id": "1"}],
                          "pagination": {"endCursor": "MjkY", "hasNextPage": true}});
        let found = detect_json("https://h/fleet/vendors", body).unwrap();
        let form = found.describe();
        assert_eq!(form["cursor_path"], "pagination.endCursor");
        assert_eq!(form["cursor_param"], "after");
        assert_eq!(form["has_more_path"], "pagination.hasNextPage");
        // The same in snake case (Kit), on its last page too.
        let snake = json!({"subscribers": [{"id": 1}],
                           "pagination": {"end_cursor": "WzE2XQ==", "has_next_page": false}});
        let form = detect_json("https://h/v4/subscribers", snake)
            .unwrap()
            .describe();
        assert_eq!(form["cursor_path"], "pagination.end_cursor");
        assert_eq!(form["cursor_param"], "after");
        // Without Relay's flag beside it, an `endCursor` is no known cursor.
        let bare = json!({"data": [{"id": "1"}], "window": {"endCursor": 5}});
        assert!(detect_json("https://h/fleet/vendors", bare).is_none());
    }

    #[test]
    fn a_token_answers_the_parameter_that_asked_for_it() {
        let sent = json!({"table": "t", "options": {"scroll": true}, "limit": 2});
        let body = json!({"hits": {"total": 10, "hits": [{"_id": 1}, {"_id": 2}]},
                          "scroll": "eyJvcmRlciI6MX0="});
        let found = detect_post("http://h/search", sent, body.clone()).unwrap();
        assert_eq!(found.rule, "request_answer");
        assert_eq!(found.describe()["cursor_body_path"], "options.scroll");
        // A parameter sent with a value of its own is echoed, not answered.
        let echo = json!({"table": "t", "options": {"scroll": "abc"}, "limit": 2});
        let found = detect_post("http://h/search", echo, body).unwrap();
        assert_ne!(found.rule, "request_answer");
    }

    #[test]
    fn a_graphql_cursor_goes_where_the_query_binds_it() {
        let query = "query q($input: In!, $pageInfo: PageInfoInput) { convs(input: $input, pageInfo: $pageInfo) { nodes { id } pageInfo { hasNextPage endCursor } } }";
        let body = json!({"data": {"convs": {"nodes": [{"id": "1"}],
                          "pageInfo": {"hasNextPage": true, "endCursor": "c2"}}}});
        let sent = json!({"query": query,
                          "variables": {"input": {"w": 1}, "pageInfo": {"limit": 25, "cursor": "c1"}}});
        let found = detect_post("https://h/gq", sent, body.clone()).unwrap();
        assert_eq!(
            found.describe()["cursor_body_path"],
            "variables.pageInfo.cursor"
        );
        // A cursor written into the query text has no variable to carry the next one.
        let inline = json!({"query": "{ convs(first: 2, after: \"NQ==\") { nodes { id } pageInfo { hasNextPage endCursor } } }"});
        assert!(detect_post("https://h/gq", inline, body).is_none());
    }

    #[test]
    fn graphql_windows_and_tokens_are_found_by_the_role_of_their_argument() {
        // AppSync: `nextToken: $token`.
        let query = "query L($n: Int, $token: String) { listTodos(limit: $n, nextToken: $token) { items { id } nextToken } }";
        let body = json!({"data": {"listTodos": {"items": [{"id": "1"}], "nextToken": "eyJ2"}}});
        let sent = json!({"query": query, "variables": {"n": 1}});
        let found = detect_post("https://h/graphql", sent, body).unwrap();
        assert_eq!(found.describe()["cursor_body_path"], "variables.token");
        // `startIndex: $s, pageSize: $n`: an offset window on those variables.
        let query = "query Q($s: Int, $n: Int) { orders(startIndex: $s, pageSize: $n) { id } }";
        let body = json!({"data": {"orders": [{"id": 1}, {"id": 2}]}});
        let sent = json!({"query": query, "variables": {"s": 0, "n": 2}});
        let found = detect_post("https://h/graphql", sent, body).unwrap();
        let form = found.describe();
        assert_eq!(form["offset_body_path"], "variables.s");
        assert_eq!(form["limit_body_path"], "variables.n");
    }

    #[test]
    fn a_page_objects_current_page_goes_back_in_the_same_object() {
        let body = json!({"meta": {"page": {"current": 1, "total_pages": 3, "size": 20}},
                          "results": [{"id": 1}]});
        let found = detect_post(
            "http://h/search.json",
            json!({"query": "parks"}),
            body.clone(),
        )
        .unwrap();
        assert_eq!(found.describe()["page_body_path"], "page.current");
        let found = detect_json("http://h/search.json", body).unwrap();
        assert_eq!(found.describe()["page_param"], "page[current]");
    }

    #[test]
    fn an_offset_window_echoed_under_any_names_is_known_by_their_roles() {
        let body = json!({"data": [{"id": 1}, {"id": 2}],
                          "paging": {"skip": 0, "count": 2, "totalRecords": 40}});
        let found = detect_json("https://h/v2/contacts", body).unwrap();
        let form = found.describe();
        assert_eq!(form["type"], "offset");
        assert_eq!(form["offset_param"], "skip");
        assert_eq!(form["limit_param"], "count");
        assert_eq!(form["total_path"], "paging.totalRecords");
        // Without a total, two numbers in an object say nothing of paging.
        let body = json!({"data": [{"id": 1}], "stats": {"skip": 0, "count": 2}});
        assert!(detect_json("https://h/v2/contacts", body).is_none());
    }

    #[test]
    fn names_known_only_from_the_response_come_with_the_usual_ones() {
        let alternatives = |found: &Detection, key: &str| -> Vec<Value> {
            found
                .alternatives
                .iter()
                .map(|a| a.paginator[key].clone())
                .collect()
        };
        // A page number named after the body's `pageNumber`: `page` is offered.
        let body = json!({"pageNumber": 1, "pageSize": 100, "totalPages": 4, "data": [{"id": 1}]});
        let found = detect_json("https://h/2.0/sheets", body).unwrap();
        assert_eq!(found.describe()["page_param"], "pageNumber");
        assert!(alternatives(&found, "page_param").contains(&json!("page")));
        // A bare token under `pagination.next`: the token names of other cursor APIs.
        let body = json!({"vectors": [{"id": "a"}], "pagination": {"next": "eyJza2lwIjo"}});
        let found = detect_json("https://h/vectors/list", body).unwrap();
        assert_eq!(found.describe()["cursor_param"], "cursor");
        assert!(alternatives(&found, "cursor_param").contains(&json!("paginationToken")));
    }

    #[test]
    fn a_limit_of_zero_is_the_pages_own_size() {
        let body = json!({"meta": {"limit": 0, "offset": 0, "total_count": 5},
                          "objects": [{"id": 1}, {"id": 2}]});
        let found = detect_json("https://h/api/2.0/servers/?limit=0", body).unwrap();
        let form = found.describe();
        assert_eq!(form["type"], "offset");
        assert_eq!(form["limit"], 2);
        assert_eq!(form["total_path"], "meta.total_count");
    }

    #[test]
    fn a_json_api_single_resource_is_one_record() {
        let body = json!({"data": {"type": "article", "id": "3",
                          "attributes": {"title": "t", "tags": [{"n": 1}]}}, "included": [{"type": "people", "id": "9"}]});
        assert_eq!(records(&body).as_str(), "data");
    }

    proptest::proptest! {
        /// Any JSON body, any headers among the ones rules read, GET or POST: detection does not
        /// panic, and every paginator it offers (chosen or alternative) is valid dlt `rest_api`
        /// form that builds again.
        #[test]
        fn any_body_detects_without_panic_and_offers_buildable_paginators(
            body in json_value(),
            header in proptest::option::of(("(content-range|x-next-cursor|x-ms-continuationtoken|x-pagination-offset|link)", "[ -~]{0,24}")),
            post in proptest::bool::ANY,
        ) {
            let headers: Vec<(&str, &str)> = header.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
            let Ok(response) = Response::from_parts(200, headers, "https://h/items?limit=5", body.to_string().into_bytes()) else {
                return Ok(());
            };
            let method = if post { reqwest::Method::POST } else { reqwest::Method::GET };
            let mut request = Request::new(method, "https://h/items".parse().unwrap());
            request.append_param("limit", "5");
            if post {
                request.set_body(Some(crate::request::Body::Json(json!({"query": "query($c: String) { items(after: $c) { id } }"}))));
            }
            let _ = records(&body);
            if let Some(found) = paginator_for(&request, &response) {
                proptest::prop_assert!(found.confidence > 0.0 && found.confidence <= 1.0);
                proptest::prop_assert!(!found.rule.is_empty());
                let forms = std::iter::once(found.describe()).chain(found.alternatives.iter().map(|a| a.paginator.clone()));
                for form in forms {
                    let built = crate::spec::paginator(&form);
                    proptest::prop_assert!(built.is_ok(), "{form} does not build: {:?}", built.err());
                }
            }
        }
    }

    fn json_value() -> impl proptest::strategy::Strategy<Value = Value> {
        use proptest::prelude::*;
        let key = prop_oneof![
            Just("next".to_owned()),
            Just("next_cursor".to_owned()),
            Just("after".to_owned()),
            Just("last_id".to_owned()),
            Just("has_more".to_owned()),
            Just("total".to_owned()),
            Just("page".to_owned()),
            Just("TotalPages".to_owned()),
            Just("start".to_owned()),
            Just("pageInfo".to_owned()),
            Just("endCursor".to_owned()),
            Just("LastEvaluatedKey".to_owned()),
            Just("data".to_owned()),
            Just("links".to_owned()),
            Just("end_of_stream".to_owned()),
            "[a-zA-Z_@$.]{0,8}",
        ];
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<f64>()
                .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
            "[ -~]{0,12}".prop_map(Value::from),
            Just(Value::from("https://h/items?page=2")),
            Just(Value::from("/items?cursor=x")),
        ];
        leaf.prop_recursive(4, 40, 6, move |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                proptest::collection::vec((key.clone(), inner), 0..6)
                    .prop_map(|kv| Value::Object(kv.into_iter().collect())),
            ]
        })
    }

    #[test]
    fn link_values_must_look_like_links() {
        assert!(looks_like_url("https://h/x"));
        assert!(looks_like_url("HTTP://h/x"));
        assert!(looks_like_url("/x?page=2"));
        assert!(looks_like_url("?page=2"));
        assert!(!looks_like_url("abc123"));
        assert!(!looks_like_url("httpfoo"));
        assert!(is_next_key("@odata.nextLink"));
        assert!(is_next_key("__next"));
        assert!(is_next_key("NextToken"));
        assert!(!is_next_key("has_next"));
    }
}
