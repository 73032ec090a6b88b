//! Detection: first responses shaped as real APIs document them give a paginator (in dlt's
//! `rest_api` form), a record selector and the request the detected paginator makes next; then
//! whole walks over demo-api with no paginator and no data selector, each style delivering every
//! record exactly once with the requests a hand-configured paginator would make.

use restclient::Body;
use restclient::{Method, Request, Response, StopReason, Value, detect};
use serde_json::json;

use crate::support;
use crate::support::server;
use crate::support::{
    assert_records, capture_logs, client, demo, json_bodies, paths, try_walk, walk,
};

struct Case {
    /// The API and the documented shape.
    api: &'static str,
    /// The first request's URL.
    url: &'static str,
    headers: Vec<(&'static str, &'static str)>,
    body: Value,
    /// The expected description (every key given must match), or `None` for no detection.
    paginator: Option<Value>,
    /// The expected record selector.
    records: &'static str,
    /// The URL of the next request, or `None` when the first page is the last.
    next: Option<&'static str>,
}

fn case(api: &'static str, url: &'static str, body: Value) -> Case {
    Case {
        api,
        url,
        headers: Vec::new(),
        body,
        paginator: None,
        records: "$",
        next: None,
    }
}

impl Case {
    fn header(mut self, name: &'static str, value: &'static str) -> Self {
        self.headers.push((name, value));
        self
    }
    fn paginator(mut self, p: Value) -> Self {
        self.paginator = Some(p);
        self
    }
    fn records(mut self, r: &'static str) -> Self {
        self.records = r;
        self
    }
    fn next(mut self, url: &'static str) -> Self {
        self.next = Some(url);
        self
    }
}

/// Runs detection and the first step of the walk; returns the next request if there is one.
fn run(c: &Case, request: &Request) -> Option<Request> {
    let response = Response::from_parts(
        200,
        c.headers.clone(),
        c.url,
        c.body.to_string().into_bytes(),
    )
    .unwrap();
    let selector = detect::records(&c.body);
    assert_eq!(selector.as_str(), c.records, "{}: record selector", c.api);
    let found = detect::paginator_for(request, &response);
    let Some(want) = &c.paginator else {
        assert!(
            found.is_none(),
            "{}: expected no paginator, got {:?}",
            c.api,
            found.map(|d| d.describe())
        );
        return None;
    };
    let found = found.unwrap_or_else(|| panic!("{}: nothing detected", c.api));
    let got = found.describe();
    for (k, v) in want.as_object().unwrap() {
        assert_eq!(&got[k], v, "{}: `{k}` in {got}", c.api);
    }
    // The description is dlt's `rest_api` form: it builds the same paginator again.
    let again = restclient::spec::paginator(&got)
        .unwrap_or_else(|e| panic!("{}: {got} does not build: {e}", c.api))
        .unwrap();
    assert_eq!(again.describe(), got, "{}: round trip", c.api);
    assert!(!found.source.is_empty());
    assert!(found.confidence > 0.0 && found.confidence <= 1.0);
    let mut paginator = found.paginator;
    paginator.validate().unwrap();
    let mut next = request.clone();
    paginator.init_request(&mut next).unwrap();
    let data = selector.records(&c.body);
    paginator.update_state(&response, Some(&data)).unwrap();
    paginator.update_request(&mut next).unwrap();
    let next = paginator.has_next_page().then_some(next);
    assert_eq!(
        next.as_ref().map(|r| r.full_url().to_string()).as_deref(),
        c.next,
        "{}: next request",
        c.api
    );
    next
}

/// A GET of `url` whose query is given as parameters, as `.param(...)` would give it.
fn get(url: &str) -> Request {
    let mut url: restclient::Url = url.parse().unwrap();
    let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    url.set_query(None);
    let mut request = Request::new(Method::GET, url);
    for (k, v) in pairs {
        request.append_param(k, v);
    }
    request
}

fn cases() -> Vec<Case> {
    let two_users = json!([{"id": 1, "login": "octocat"}, {"id": 2, "login": "hubot"}]);
    vec![
        // ------------------------------------------------------------ header links
        case("GitHub issues (Link header, bare array)", "https://api.github.com/repos/octocat/hello-world/issues?per_page=2", two_users.clone())
            .header("Link", r#"<https://api.github.com/repositories/1296269/issues?per_page=2&page=2>; rel="next", <https://api.github.com/repositories/1296269/issues?per_page=2&page=5>; rel="last""#)
            .paginator(json!({"type": "header_link", "links_next_key": "next"}))
            .next("https://api.github.com/repositories/1296269/issues?per_page=2&page=2"),
        case("GitHub search (Link header, items)", "https://api.github.com/search/repositories?q=rust", json!({
            "total_count": 40, "incomplete_results": false, "items": [{"id": 1, "full_name": "a/b"}]
        }))
            .header("link", r#"<https://api.github.com/search/repositories?q=rust&page=2>; rel="next", <https://api.github.com/search/repositories?q=rust&page=34>; rel="last""#)
            .paginator(json!({"type": "header_link"}))
            .records("items")
            .next("https://api.github.com/search/repositories?q=rust&page=2"),
        case("Shopify Admin REST (page_info in Link)", "https://shop.myshopify.com/admin/api/2024-01/products.json?limit=2", json!({
            "products": [{"id": 632910392, "title": "IPod Nano - 8GB"}, {"id": 921728736, "title": "IPod Touch 8GB"}]
        }))
            .header("Link", r#"<https://shop.myshopify.com/admin/api/2024-01/products.json?limit=2&page_info=eyJsYXN0X2lkIjo5MjE3Mjg3MzZ9>; rel="next""#)
            .paginator(json!({"type": "header_link"}))
            .records("products")
            .next("https://shop.myshopify.com/admin/api/2024-01/products.json?limit=2&page_info=eyJsYXN0X2lkIjo5MjE3Mjg3MzZ9"),
        case("GitLab (Link with several rels, X-Next-Page)", "https://gitlab.example.com/api/v4/projects/8/issues?per_page=2", two_users.clone())
            .header("Link", r#"<https://gitlab.example.com/api/v4/projects/8/issues?page=1&per_page=2>; rel="prev first", <https://gitlab.example.com/api/v4/projects/8/issues?page=3&per_page=2>; rel="NEXT""#)
            .header("X-Next-Page", "3")
            .header("X-Total-Pages", "4")
            .paginator(json!({"type": "header_link"}))
            .next("https://gitlab.example.com/api/v4/projects/8/issues?page=3&per_page=2"),
        case("GitLab keyset without Link (X-Next-Page only)", "https://gitlab.example.com/api/v4/projects/8/jobs?per_page=2", two_users.clone())
            .header("X-Page", "1")
            .header("X-Next-Page", "2")
            .paginator(json!({"type": "header_cursor", "cursor_key": "x-next-page", "cursor_param": "page"}))
            .next("https://gitlab.example.com/api/v4/projects/8/jobs?per_page=2&page=2"),
        // ------------------------------------------------------------ body links
        case("Django REST framework PageNumberPagination", "https://api.example.org/accounts/?page=4", json!({
            "count": 1023,
            "next": "https://api.example.org/accounts/?page=5",
            "previous": "https://api.example.org/accounts/?page=3",
            "results": [{"id": 1}, {"id": 2}]
        }))
            .paginator(json!({"type": "json_link", "next_url_path": "next"}))
            .records("results")
            .next("https://api.example.org/accounts/?page=5"),
        case("Django REST framework, last page (next is null)", "https://api.example.org/accounts/?page=512", json!({
            "count": 1023, "next": null, "previous": "https://api.example.org/accounts/?page=511", "results": [{"id": 1023}]
        }))
            .paginator(json!({"type": "json_link", "next_url_path": "next"}))
            .records("results"),
        case("Django REST framework CursorPagination", "https://api.example.org/accounts/", json!({
            "next": "https://api.example.org/accounts/?cursor=cD0yMDIzLTAxLTAx", "previous": null, "results": [{"id": 1}]
        }))
            .paginator(json!({"type": "json_link", "next_url_path": "next"}))
            .records("results")
            .next("https://api.example.org/accounts/?cursor=cD0yMDIzLTAxLTAx"),
        case("Laravel paginate()", "http://laravel.app/api/users", json!({
            "current_page": 1,
            "data": [{"id": 1}, {"id": 2}],
            "first_page_url": "http://laravel.app/api/users?page=1",
            "from": 1,
            "last_page": 4,
            "last_page_url": "http://laravel.app/api/users?page=4",
            "links": [{"url": null, "label": "&laquo; Previous", "active": false}, {"url": "http://laravel.app/api/users?page=1", "label": "1", "active": true}],
            "next_page_url": "http://laravel.app/api/users?page=2",
            "path": "http://laravel.app/api/users",
            "per_page": 2,
            "prev_page_url": null,
            "to": 2,
            "total": 8
        }))
            .paginator(json!({"type": "json_link", "next_url_path": "next_page_url"}))
            .records("data")
            .next("http://laravel.app/api/users?page=2"),
        case("Laravel API resource collection (links.next, meta)", "http://example.com/api/users", json!({
            "data": [{"id": 1}, {"id": 2}],
            "links": {"first": "http://example.com/api/users?page=1", "last": "http://example.com/api/users?page=10", "prev": null, "next": "http://example.com/api/users?page=2"},
            "meta": {"current_page": 1, "from": 1, "last_page": 10, "path": "http://example.com/api/users", "per_page": 2, "to": 2, "total": 20}
        }))
            .paginator(json!({"type": "json_link", "next_url_path": "links.next"}))
            .records("data")
            .next("http://example.com/api/users?page=2"),
        case("JSON:API (links.next, side-loaded included)", "https://example.com/articles?page[number]=3&page[size]=1", json!({
            "meta": {"totalPages": 13},
            "data": [{"type": "articles", "id": "3", "attributes": {"title": "JSON:API paints my bikeshed!"}}],
            "included": [{"type": "people", "id": "9"}],
            "links": {
                "self": "https://example.com/articles?page[number]=3&page[size]=1",
                "first": "https://example.com/articles?page[number]=1&page[size]=1",
                "prev": "https://example.com/articles?page[number]=2&page[size]=1",
                "next": "https://example.com/articles?page[number]=4&page[size]=1",
                "last": "https://example.com/articles?page[number]=13&page[size]=1"
            }
        }))
            .paginator(json!({"type": "json_link", "next_url_path": "links.next"}))
            .records("data")
            .next("https://example.com/articles?page[number]=4&page[size]=1"),
        case("Spring Data REST (HAL _links.next.href, _embedded)", "http://localhost:8080/people", json!({
            "_embedded": {"people": [{"firstName": "Frodo"}, {"firstName": "Bilbo"}]},
            "_links": {
                "first": {"href": "http://localhost:8080/people?page=0&size=2"},
                "self": {"href": "http://localhost:8080/people"},
                "next": {"href": "http://localhost:8080/people?page=1&size=2"},
                "last": {"href": "http://localhost:8080/people?page=4&size=2"},
                "profile": {"href": "http://localhost:8080/profile/people"}
            },
            "page": {"size": 2, "totalElements": 10, "totalPages": 5, "number": 0}
        }))
            .paginator(json!({"type": "json_link", "next_url_path": "_links.next.href"}))
            .records("_embedded.people")
            .next("http://localhost:8080/people?page=1&size=2"),
        case("Microsoft Graph (@odata.nextLink, value)", "https://graph.microsoft.com/v1.0/users?$top=2", json!({
            "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users",
            "@odata.nextLink": "https://graph.microsoft.com/v1.0/users?$top=2&$skiptoken=RFNwdAIAAQAAAA",
            "value": [{"id": "87d349ed", "displayName": "Megan"}, {"id": "a2e4b1", "displayName": "Alex"}]
        }))
            .paginator(json!({"type": "json_link", "next_url_path": "$['@odata.nextLink']"}))
            .records("value")
            .next("https://graph.microsoft.com/v1.0/users?$top=2&$skiptoken=RFNwdAIAAQAAAA"),
        case("OData v2 (d.__next, d.results)", "https://services.odata.org/V2/Northwind/Northwind.svc/Customers?$format=json", json!({
            "d": {
                "results": [{"CustomerID": "ALFKI"}, {"CustomerID": "ANATR"}],
                "__next": "https://services.odata.org/V2/Northwind/Northwind.svc/Customers?$format=json&$skiptoken='ERNSH'"
            }
        }))
            .paginator(json!({"type": "json_link", "next_url_path": "d.__next"}))
            .records("d.results")
            .next("https://services.odata.org/V2/Northwind/Northwind.svc/Customers?$format=json&$skiptoken=%27ERNSH%27"),
        // Its last page leaves `__next` out: the same link paginator, ending here.
        case("OData v2, last page (d.results without d.__next)", "https://services.odata.org/V2/Northwind/Northwind.svc/Customers?$format=json&$skiptoken='ERNSH'", json!({
            "d": {"results": [{"CustomerID": "WOLZA"}]}
        }))
            .paginator(json!({"type": "json_link", "next_url_path": "d.__next"}))
            .records("d.results"),
        // The value-list family (Azure Resource Manager): `value` alone on the last page.
        case("Azure Resource Manager list, last page (value without nextLink)", "https://management.azure.com/subscriptions/s/resourceGroups?api-version=2021-04-01", json!({
            "value": [{"id": "/subscriptions/s/resourceGroups/rg1", "name": "rg1"}]
        }))
            .paginator(json!({"type": "json_link", "next_url_path": "nextLink"}))
            .records("value"),
        case("Salesforce SOQL query (nextRecordsUrl, relative path)", "https://acme.my.salesforce.com/services/data/v58.0/query?q=SELECT+Id+FROM+Account", json!({
            "totalSize": 3222,
            "done": false,
            "nextRecordsUrl": "/services/data/v58.0/query/01gD0000002HU6KIAW-2000",
            "records": [{"attributes": {"type": "Account"}, "Id": "001D000000IRFmaIAH"}]
        }))
            .paginator(json!({"type": "json_link", "next_url_path": "nextRecordsUrl"}))
            .records("records")
            .next("https://acme.my.salesforce.com/services/data/v58.0/query/01gD0000002HU6KIAW-2000"),
        case("Twilio 2010 API (next_page_uri)", "https://api.twilio.com/2010-04-01/Accounts/ACXXXX/Messages.json?PageSize=2", json!({
            "end": 1,
            "first_page_uri": "/2010-04-01/Accounts/ACXXXX/Messages.json?PageSize=2&Page=0",
            "next_page_uri": "/2010-04-01/Accounts/ACXXXX/Messages.json?PageSize=2&Page=1&PageToken=PASMXXXX",
            "page": 0,
            "page_size": 2,
            "previous_page_uri": null,
            "messages": [{"sid": "SM1"}, {"sid": "SM2"}],
            "start": 0,
            "uri": "/2010-04-01/Accounts/ACXXXX/Messages.json?PageSize=2&Page=0"
        }))
            .paginator(json!({"type": "json_link", "next_url_path": "next_page_uri"}))
            .records("messages")
            .next("https://api.twilio.com/2010-04-01/Accounts/ACXXXX/Messages.json?PageSize=2&Page=1&PageToken=PASMXXXX"),
        case("Twilio v1 APIs (meta.next_page_url, meta.key)", "https://conversations.twilio.com/v1/Conversations?PageSize=2", json!({
            "conversations": [{"sid": "CH1"}, {"sid": "CH2"}],
            "meta": {
                "page": 0, "page_size": 2,
                "first_page_url": "https://conversations.twilio.com/v1/Conversations?PageSize=2&Page=0",
                "previous_page_url": null,
                "url": "https://conversations.twilio.com/v1/Conversations?PageSize=2&Page=0",
                "next_page_url": "https://conversations.twilio.com/v1/Conversations?PageSize=2&Page=1&PageToken=PTCH2",
                "key": "conversations"
            }
        }))
            .paginator(json!({"type": "json_link", "next_url_path": "meta.next_page_url"}))
            .records("conversations")
            .next("https://conversations.twilio.com/v1/Conversations?PageSize=2&Page=1&PageToken=PTCH2"),
        case("Zendesk offset pagination (next_page)", "https://example.zendesk.com/api/v2/users.json", json!({
            "users": [{"id": 35436}, {"id": 20057623}],
            "next_page": "https://example.zendesk.com/api/v2/users.json?page=2",
            "previous_page": null,
            "count": 1234
        }))
            .paginator(json!({"type": "json_link", "next_url_path": "next_page"}))
            .records("users")
            .next("https://example.zendesk.com/api/v2/users.json?page=2"),
        case("Zendesk cursor pagination (links.next wins over meta.after_cursor)", "https://example.zendesk.com/api/v2/tickets.json?page[size]=2", json!({
            "tickets": [{"id": 1}, {"id": 2}],
            "meta": {"has_more": true, "after_cursor": "xxx", "before_cursor": "yyy"},
            "links": {
                "prev": "https://example.zendesk.com/api/v2/tickets.json?page%5Bbefore%5D=yyy&page%5Bsize%5D=2",
                "next": "https://example.zendesk.com/api/v2/tickets.json?page%5Bafter%5D=xxx&page%5Bsize%5D=2"
            }
        }))
            .paginator(json!({"type": "json_link", "next_url_path": "links.next"}))
            .records("tickets")
            .next("https://example.zendesk.com/api/v2/tickets.json?page%5Bafter%5D=xxx&page%5Bsize%5D=2"),
        case("Confluence Cloud REST v2 (_links.next, relative path)", "https://acme.atlassian.net/wiki/api/v2/pages?limit=2", json!({
            "results": [{"id": "1"}, {"id": "2"}],
            "_links": {"next": "/wiki/api/v2/pages?limit=2&cursor=eyJpZCI6IjIifQ", "base": "https://acme.atlassian.net/wiki"}
        }))
            .paginator(json!({"type": "json_link", "next_url_path": "_links.next"}))
            .records("results")
            .next("https://acme.atlassian.net/wiki/api/v2/pages?limit=2&cursor=eyJpZCI6IjIifQ"),
        case("Confluence Server REST v1 (start/limit/size, _links.next first)", "http://confluence.local:8090/rest/api/space?limit=2", json!({
            "results": [{"key": "DS"}, {"key": "TST"}],
            "start": 0, "limit": 2, "size": 2,
            "_links": {"self": "http://confluence.local:8090/rest/api/space", "next": "/rest/api/space?limit=2&start=2", "base": "http://confluence.local:8090", "context": ""}
        }))
            .paginator(json!({"type": "json_link", "next_url_path": "_links.next"}))
            .records("results")
            .next("http://confluence.local:8090/rest/api/space?limit=2&start=2"),
        case("Confluence REST v1 page without _links.next (start/limit/size: offset)", "http://confluence.local:8090/rest/api/space?limit=2", json!({
            "results": [{"key": "DS"}, {"key": "TST"}],
            "start": 0, "limit": 2, "size": 2,
            "_links": {"self": "http://confluence.local:8090/rest/api/space", "base": "http://confluence.local:8090", "context": ""}
        }))
            .paginator(json!({"type": "offset", "limit": 2, "offset": 0, "offset_param": "start", "limit_param": "limit", "total_path": null}))
            .records("results")
            .next("http://confluence.local:8090/rest/api/space?limit=2&start=2"),
        case("Jira statuses (nextPage link with startAt/maxResults)", "https://acme.atlassian.net/rest/api/3/statuses/search?maxResults=2", json!({
            "isLast": false, "maxResults": 2, "startAt": 0, "total": 5,
            "nextPage": "https://acme.atlassian.net/rest/api/3/statuses/search?startAt=2&maxResults=2",
            "self": "https://acme.atlassian.net/rest/api/3/statuses/search?maxResults=2",
            "values": [{"id": "1"}, {"id": "2"}]
        }))
            .paginator(json!({"type": "json_link", "next_url_path": "nextPage"}))
            .records("values")
            .next("https://acme.atlassian.net/rest/api/3/statuses/search?startAt=2&maxResults=2"),
        case("Facebook Graph API (paging.next wins over paging.cursors)", "https://graph.facebook.com/v19.0/me/albums?limit=2", json!({
            "data": [{"id": "1"}, {"id": "2"}],
            "paging": {
                "cursors": {"before": "MTAxNTExOTQ1MjAwNzI5NDE=", "after": "NDMyNzQyODI3OTQw"},
                "previous": "https://graph.facebook.com/v19.0/me/albums?limit=2&before=MTAxNTExOTQ1MjAwNzI5NDE=",
                "next": "https://graph.facebook.com/v19.0/me/albums?limit=2&after=NDMyNzQyODI3OTQw"
            }
        }))
            .paginator(json!({"type": "json_link", "next_url_path": "paging.next"}))
            .records("data")
            .next("https://graph.facebook.com/v19.0/me/albums?limit=2&after=NDMyNzQyODI3OTQw"),
        case("FHIR Bundle (link array with relation next, entry)", "https://hapi.fhir.org/baseR4/Patient?_count=2", json!({
            "resourceType": "Bundle", "type": "searchset", "total": 9,
            "link": [
                {"relation": "self", "url": "https://hapi.fhir.org/baseR4/Patient?_count=2"},
                {"relation": "next", "url": "https://hapi.fhir.org/baseR4?_getpages=abc&_getpagesoffset=2&_count=2"}
            ],
            "entry": [{"resource": {"resourceType": "Patient", "id": "1"}}, {"resource": {"resourceType": "Patient", "id": "2"}}]
        }))
            .paginator(json!({"type": "json_link", "next_url_path": "link[?(@.relation=='next')].url"}))
            .records("entry")
            .next("https://hapi.fhir.org/baseR4?_getpages=abc&_getpagesoffset=2&_count=2"),
        case("Bitbucket Cloud (next with pagelen/page)", "https://api.bitbucket.org/2.0/repositories/atlassian", json!({
            "pagelen": 2, "size": 10, "page": 1,
            "next": "https://api.bitbucket.org/2.0/repositories/atlassian?page=2",
            "values": [{"slug": "a"}, {"slug": "b"}]
        }))
            .paginator(json!({"type": "json_link", "next_url_path": "next"}))
            .records("values")
            .next("https://api.bitbucket.org/2.0/repositories/atlassian?page=2"),
        // ------------------------------------------------------------ cursors
        case("Slack conversations.list (response_metadata.next_cursor)", "https://slack.com/api/conversations.list?limit=2", json!({
            "ok": true,
            "channels": [{"id": "C012AB3CD", "name": "general"}, {"id": "C061EG9T2", "name": "random"}],
            "response_metadata": {"next_cursor": "dGVhbTpDMDYxRkE1UEI="}
        }))
            .paginator(json!({"type": "cursor", "cursor_path": "response_metadata.next_cursor", "cursor_param": "cursor"}))
            .records("channels")
            .next("https://slack.com/api/conversations.list?limit=2&cursor=dGVhbTpDMDYxRkE1UEI%3D"),
        case("Slack, last page (empty next_cursor)", "https://slack.com/api/users.list?limit=2", json!({
            "ok": true,
            "members": [{"id": "W012A3CDE"}],
            "cache_ts": 1498777272,
            "response_metadata": {"next_cursor": ""}
        }))
            .paginator(json!({"type": "cursor", "cursor_path": "response_metadata.next_cursor", "cursor_param": "cursor"}))
            .records("members"),
        case("HubSpot CRM v3 (paging.next.after; the link holds only the cursor)", "https://api.hubapi.com/crm/v3/objects/contacts?limit=2&properties=email", json!({
            "results": [{"id": "512", "properties": {"email": "a@b.c"}}, {"id": "513", "properties": {}}],
            "paging": {"next": {"after": "NTI1Cg", "link": "?after=NTI1Cg"}}
        }))
            .paginator(json!({"type": "cursor", "cursor_path": "paging.next.after", "cursor_param": "after"}))
            .records("results")
            .next("https://api.hubapi.com/crm/v3/objects/contacts?limit=2&properties=email&after=NTI1Cg"),
        case("Notion list users (next_cursor, has_more, object list)", "https://api.notion.com/v1/users?page_size=2", json!({
            "object": "list",
            "results": [{"object": "user", "id": "d40e767c"}, {"object": "user", "id": "9a3b5ae0"}],
            "next_cursor": "fe2cc560-036c-44cd-90e8-294d5a74cebc",
            "has_more": true,
            "type": "user",
            "user": {}
        }))
            .paginator(json!({"type": "cursor", "cursor_path": "next_cursor", "cursor_param": "start_cursor", "has_more_path": "has_more"}))
            .records("results")
            .next("https://api.notion.com/v1/users?page_size=2&start_cursor=fe2cc560-036c-44cd-90e8-294d5a74cebc"),
        case("Stripe list (has_more, last record id as starting_after)", "https://api.stripe.com/v1/customers?limit=2", json!({
            "object": "list",
            "url": "/v1/customers",
            "has_more": true,
            "data": [{"id": "cus_NffrFeUfNV2Hib", "object": "customer"}, {"id": "cus_NffrFeUfNV2Hic", "object": "customer"}]
        }))
            .paginator(json!({"type": "cursor", "cursor_path": "data[-1].id", "cursor_param": "starting_after", "has_more_path": "has_more"}))
            .records("data")
            .next("https://api.stripe.com/v1/customers?limit=2&starting_after=cus_NffrFeUfNV2Hic"),
        case("Stripe list, last page", "https://api.stripe.com/v1/customers?limit=2", json!({
            "object": "list", "url": "/v1/customers", "has_more": false,
            "data": [{"id": "cus_NffrFeUfNV2Hid", "object": "customer"}]
        }))
            .paginator(json!({"type": "cursor", "cursor_param": "starting_after", "has_more_path": "has_more"}))
            .records("data"),
        case("Stripe search (next_page token)", "https://api.stripe.com/v1/customers/search?query=email~'x'", json!({
            "object": "search_result", "url": "/v1/customers/search", "has_more": true,
            "data": [{"id": "cus_1", "object": "customer"}],
            "next_page": "WzE2OTk5NTIwMDAsImN1c18xIl0="
        }))
            .paginator(json!({"type": "cursor", "cursor_path": "next_page", "cursor_param": "page", "has_more_path": "has_more"}))
            .records("data")
            .next("https://api.stripe.com/v1/customers/search?query=email%7E%27x%27&page=WzE2OTk5NTIwMDAsImN1c18xIl0%3D"),
        case("Google Drive files.list (nextPageToken → pageToken)", "https://www.googleapis.com/drive/v3/files?pageSize=2", json!({
            "kind": "drive#fileList",
            "nextPageToken": "~!!~AI9FV7QKbDD8o",
            "incompleteSearch": false,
            "files": [{"kind": "drive#file", "id": "1"}, {"kind": "drive#file", "id": "2"}]
        }))
            .paginator(json!({"type": "cursor", "cursor_path": "nextPageToken", "cursor_param": "pageToken"}))
            .records("files")
            .next("https://www.googleapis.com/drive/v3/files?pageSize=2&pageToken=%7E%21%21%7EAI9FV7QKbDD8o"),
        case("YouTube Data API search (nextPageToken, pageInfo)", "https://www.googleapis.com/youtube/v3/search?part=snippet&q=rust", json!({
            "kind": "youtube#searchListResponse",
            "etag": "q4ibjmYp1KA3RqMF4jFLl6PBwOg",
            "nextPageToken": "CAUQAA",
            "regionCode": "NL",
            "pageInfo": {"totalResults": 1000000, "resultsPerPage": 5},
            "items": [{"kind": "youtube#searchResult", "id": {"videoId": "x"}}]
        }))
            .paginator(json!({"type": "cursor", "cursor_path": "nextPageToken", "cursor_param": "pageToken"}))
            .records("items")
            .next("https://www.googleapis.com/youtube/v3/search?part=snippet&q=rust&pageToken=CAUQAA"),
        case("Jira Cloud search/jql (nextPageToken sent back as nextPageToken)", "https://acme.atlassian.net/rest/api/3/search/jql?jql=project%3DX", json!({
            "issues": [{"id": "10001", "key": "X-1"}],
            "nextPageToken": "CAEaAggD",
            "isLast": false
        }))
            .paginator(json!({"type": "cursor", "cursor_path": "nextPageToken", "cursor_param": "nextPageToken"}))
            .records("issues")
            .next("https://acme.atlassian.net/rest/api/3/search/jql?jql=project%3DX&nextPageToken=CAEaAggD"),
        case("Zoom list users (next_page_token wins over page_number)", "https://api.zoom.us/v2/users?status=active&page_size=2", json!({
            "page_size": 2, "page_count": 2, "total_records": 3,
            "next_page_token": "Tva2K9uF6sQmPq8nR3wXcLdYbZ7hJ1gE0",
            "users": [{"id": "KDcuGImsQZ4"}, {"id": "z8yCxjabcd"}]
        }))
            .paginator(json!({"type": "cursor", "cursor_path": "next_page_token", "cursor_param": "next_page_token"}))
            .records("users")
            .next("https://api.zoom.us/v2/users?status=active&page_size=2&next_page_token=Tva2K9uF6sQmPq8nR3wXcLdYbZ7hJ1gE0"),
        case("Airtable list records (offset is an opaque string)", "https://api.airtable.com/v0/appXXX/Table?pageSize=2", json!({
            "records": [{"id": "rec560UJdUtocSouk", "fields": {}}, {"id": "rec3lbPRG4aVqkeOQ", "fields": {}}],
            "offset": "itrSJ1l4jlPyxEG6c/rec3lbPRG4aVqkeOQ"
        }))
            .paginator(json!({"type": "cursor", "cursor_path": "offset", "cursor_param": "offset"}))
            .records("records")
            .next("https://api.airtable.com/v0/appXXX/Table?pageSize=2&offset=itrSJ1l4jlPyxEG6c%2Frec3lbPRG4aVqkeOQ"),
        case("Square (top-level cursor)", "https://connect.squareup.com/v2/customers?limit=2", json!({
            "customers": [{"id": "JDKYHBWT1D4F8MFH63DBMEN8Y4"}, {"id": "A9641GZW2H7Z56YYSD41Q12HDW"}],
            "cursor": "4xMy9jcDJaVx2o6x4dXQ"
        }))
            .paginator(json!({"type": "cursor", "cursor_path": "cursor", "cursor_param": "cursor"}))
            .records("customers")
            .next("https://connect.squareup.com/v2/customers?limit=2&cursor=4xMy9jcDJaVx2o6x4dXQ"),
        case("Reddit listing (data.after next to data.before)", "https://oauth.reddit.com/r/rust/new?limit=2", json!({
            "kind": "Listing",
            "data": {"after": "t3_1abcde", "dist": 2, "modhash": "", "children": [{"kind": "t3", "data": {"id": "1abcdf"}}, {"kind": "t3", "data": {"id": "1abcde"}}], "before": null}
        }))
            .paginator(json!({"type": "cursor", "cursor_path": "data.after", "cursor_param": "after"}))
            .records("data.children")
            .next("https://oauth.reddit.com/r/rust/new?limit=2&after=t3_1abcde"),
        case("Intercom contacts (pages.next.starting_after)", "https://api.intercom.io/contacts?per_page=2", json!({
            "type": "list",
            "data": [{"type": "contact", "id": "1"}, {"type": "contact", "id": "2"}],
            "total_count": 10,
            "pages": {"type": "pages", "next": {"page": 2, "starting_after": "WzE3MTAwMDAwMDAwMDAsIjIiXQ=="}, "page": 1, "per_page": 2, "total_pages": 5}
        }))
            .paginator(json!({"type": "cursor", "cursor_path": "pages.next.starting_after", "cursor_param": "starting_after"}))
            .records("data")
            .next("https://api.intercom.io/contacts?per_page=2&starting_after=WzE3MTAwMDAwMDAwMDAsIjIiXQ%3D%3D"),
        case("X (Twitter) API v2 search (meta.next_token)", "https://api.twitter.com/2/tweets/search/recent?query=rust", json!({
            "data": [{"id": "1460323737035677698", "text": "x"}],
            "meta": {"newest_id": "1460323737035677698", "oldest_id": "1460323737035677698", "result_count": 1, "next_token": "b26v89c19zqg8o3fpzbkk0m"}
        }))
            .paginator(json!({"type": "cursor", "cursor_path": "meta.next_token", "cursor_param": "next_token"}))
            .records("data")
            .next("https://api.twitter.com/2/tweets/search/recent?query=rust&next_token=b26v89c19zqg8o3fpzbkk0m"),
        case("Pipedrive v2 (additional_data.next_cursor)", "https://acme.pipedrive.com/api/v2/deals?limit=2", json!({
            "success": true,
            "data": [{"id": 1}, {"id": 2}],
            "additional_data": {"next_cursor": "eyJmaWVsZCI6ImlkIiwiZmllbGRWYWx1ZSI6Mn0"}
        }))
            .paginator(json!({"type": "cursor", "cursor_path": "additional_data.next_cursor", "cursor_param": "cursor"}))
            .records("data")
            .next("https://acme.pipedrive.com/api/v2/deals?limit=2&cursor=eyJmaWVsZCI6ImlkIiwiZmllbGRWYWx1ZSI6Mn0"),
        // ------------------------------------------------------------ page numbers
        case("Spring Data Page serialised by Jackson (0-based number, totalPages)", "http://localhost:8080/api/books", json!({
            "content": [{"id": 1}, {"id": 2}],
            "pageable": {"pageNumber": 0, "pageSize": 2, "offset": 0, "paged": true, "unpaged": false},
            "totalPages": 3, "totalElements": 6, "last": false, "size": 2, "number": 0,
            "first": true, "numberOfElements": 2, "empty": false
        }))
            .paginator(json!({"type": "page_number", "base_page": 0, "page": 0, "page_param": "page", "total_path": "totalPages"}))
            .records("content")
            .next("http://localhost:8080/api/books?page=1"),
        case("Spring Data PagedModel (page.number, page.totalPages)", "http://localhost:8080/api/books", json!({
            "content": [{"id": 1}, {"id": 2}],
            "page": {"size": 2, "number": 0, "totalElements": 6, "totalPages": 3}
        }))
            .paginator(json!({"type": "page_number", "base_page": 0, "page": 0, "page_param": "page", "total_path": "page.totalPages"}))
            .records("content")
            .next("http://localhost:8080/api/books?page=1"),
        case("Laravel-style page counts without links (current_page, last_page)", "https://api.example.com/v1/orders", json!({
            "current_page": 1, "last_page": 3, "per_page": 2, "total": 6, "data": [{"id": 1}, {"id": 2}]
        }))
            .paginator(json!({"type": "page_number", "base_page": 1, "page": 1, "page_param": "page", "total_path": "last_page"}))
            .records("data")
            .next("https://api.example.com/v1/orders?page=2"),
        case("TMDB (1-based page, total_pages)", "https://api.themoviedb.org/3/movie/popular", json!({
            "page": 1, "results": [{"id": 550}, {"id": 551}], "total_pages": 500, "total_results": 10000
        }))
            .paginator(json!({"type": "page_number", "base_page": 1, "page": 1, "page_param": "page", "total_path": "total_pages"}))
            .records("results")
            .next("https://api.themoviedb.org/3/movie/popular?page=2"),
        case("TMDB, last page", "https://api.themoviedb.org/3/movie/popular?page=500", json!({
            "page": 500, "results": [{"id": 9}], "total_pages": 500, "total_results": 10000
        }))
            .paginator(json!({"type": "page_number", "base_page": 1, "page": 500, "total_path": "total_pages"}))
            .records("results"),
        case("Algolia search (0-based page, nbPages, hits)", "https://xyz-dsn.algolia.net/1/indexes/products?query=phone", json!({
            "hits": [{"objectID": "1"}, {"objectID": "2"}],
            "nbHits": 20, "page": 0, "nbPages": 10, "hitsPerPage": 2, "processingTimeMS": 1, "query": "phone", "params": "query=phone"
        }))
            .paginator(json!({"type": "page_number", "base_page": 0, "page": 0, "page_param": "page", "total_path": "nbPages"}))
            .records("hits")
            .next("https://xyz-dsn.algolia.net/1/indexes/products?query=phone&page=1"),
        case("Fractal / Dingo (meta.pagination with total_pages)", "https://api.example.com/books", json!({
            "data": [{"id": 1}, {"id": 2}],
            "meta": {"pagination": {"total": 6, "count": 2, "per_page": 2, "current_page": 1, "total_pages": 3, "links": {}}}
        }))
            .paginator(json!({"type": "page_number", "base_page": 1, "page": 1, "total_path": "meta.pagination.total_pages"}))
            .records("data")
            .next("https://api.example.com/books?page=2"),
        // ------------------------------------------------------------ offsets
        case("Jira search (startAt/maxResults/total)", "https://acme.atlassian.net/rest/api/2/search?jql=project%3DX", json!({
            "expand": "schema,names", "startAt": 0, "maxResults": 50, "total": 120,
            "issues": [{"id": "10001", "key": "X-1"}]
        }))
            .paginator(json!({"type": "offset", "limit": 50, "offset": 0, "offset_param": "startAt", "limit_param": "maxResults", "total_path": "total"}))
            .records("issues")
            .next("https://acme.atlassian.net/rest/api/2/search?jql=project%3DX&startAt=50&maxResults=50"),
        case("Jira Software boards (startAt/maxResults/total, isLast, values)", "https://acme.atlassian.net/rest/agile/1.0/board", json!({
            "maxResults": 2, "startAt": 0, "total": 5, "isLast": false,
            "values": [{"id": 84, "name": "scrum board"}, {"id": 92, "name": "kanban board"}]
        }))
            .paginator(json!({"type": "offset", "limit": 2, "offset_param": "startAt", "limit_param": "maxResults", "total_path": "total"}))
            .records("values")
            .next("https://acme.atlassian.net/rest/agile/1.0/board?startAt=2&maxResults=2"),
        case("Contentful Delivery API (skip/limit/total)", "https://cdn.contentful.com/spaces/abc/entries", json!({
            "sys": {"type": "Array"}, "total": 1256, "skip": 0, "limit": 100,
            "items": [{"sys": {"id": "1"}}]
        }))
            .paginator(json!({"type": "offset", "limit": 100, "offset_param": "skip", "limit_param": "limit", "total_path": "total"}))
            .records("items")
            .next("https://cdn.contentful.com/spaces/abc/entries?skip=100&limit=100"),
        case("Pipedrive v1 (additional_data.pagination start/limit, more_items_in_collection)", "https://acme.pipedrive.com/api/v1/persons", json!({
            "success": true,
            "data": [{"id": 1}, {"id": 2}],
            "additional_data": {"pagination": {"start": 0, "limit": 2, "more_items_in_collection": true, "next_start": 2}}
        }))
            .paginator(json!({"type": "offset", "limit": 2, "offset_param": "start", "total_path": null, "has_more_path": "additional_data.pagination.more_items_in_collection"}))
            .records("data")
            .next("https://acme.pipedrive.com/api/v1/persons?start=2&limit=2"),
        case("Spotify Web API (next link wins over offset/limit/total)", "https://api.spotify.com/v1/me/playlists?limit=2", json!({
            "href": "https://api.spotify.com/v1/me/playlists?offset=0&limit=2",
            "limit": 2, "next": "https://api.spotify.com/v1/me/playlists?offset=2&limit=2", "offset": 0, "previous": null, "total": 9,
            "items": [{"id": "a"}, {"id": "b"}]
        }))
            .paginator(json!({"type": "json_link", "next_url_path": "next"}))
            .records("items")
            .next("https://api.spotify.com/v1/me/playlists?offset=2&limit=2"),
        case("PokeAPI (count/next/previous/results)", "https://pokeapi.co/api/v2/pokemon", json!({
            "count": 1302, "next": "https://pokeapi.co/api/v2/pokemon?offset=20&limit=20", "previous": null,
            "results": [{"name": "bulbasaur", "url": "https://pokeapi.co/api/v2/pokemon/1/"}]
        }))
            .paginator(json!({"type": "json_link", "next_url_path": "next"}))
            .records("results")
            .next("https://pokeapi.co/api/v2/pokemon?offset=20&limit=20"),
        // ------------------------------------------------------------ no pagination signal
        case("Elasticsearch _search (hits.hits, from/size are request-side)", "http://localhost:9200/logs/_search", json!({
            "took": 5, "timed_out": false,
            "_shards": {"total": 1, "successful": 1, "skipped": 0, "failed": 0},
            "hits": {"total": {"value": 2, "relation": "eq"}, "max_score": 1.3, "hits": [{"_id": "1", "_source": {}}, {"_id": "2", "_source": {}}]}
        }))
            .records("hits.hits"),
        // Mailchimp pages by `offset`/`count` to `total_items`; the item total alone is a
        // window of this page's size (a guess at the names), which ends here: 1 of 1.
        case("Mailchimp list members (total_items, _links array without next)", "https://us1.api.mailchimp.com/3.0/lists/57afe96172/members", json!({
            "members": [{"id": "852aaa9532cb36adfb5e9fef7a4206a9"}],
            "list_id": "57afe96172",
            "total_items": 1,
            "_links": [{"rel": "self", "href": "https://us1.api.mailchimp.com/3.0/lists/57afe96172/members", "method": "GET"}]
        }))
            .paginator(json!({"type": "offset", "total_path": "total_items"}))
            .records("members"),
        case("GitHub single repository (an entity, not its topics)", "https://api.github.com/repos/rust-lang/rust", json!({
            "id": 724712, "name": "rust", "full_name": "rust-lang/rust", "topics": ["compiler", "language"], "owner": {"login": "rust-lang", "id": 5430905}
        })),
    ]
}

#[test]
fn real_api_shapes() {
    let cases = cases();
    assert!(cases.len() >= 30, "{} cases", cases.len());
    for c in &cases {
        run(c, &get(c.url));
    }
}

/// A POST of `url` with a JSON body, as `.json(...)` would send it.
fn post(url: &str, body: Value) -> Request {
    let mut request = get(url);
    request.set_method(Method::POST);
    request.set_body(Some(Body::Json(body)));
    request
}

/// Conventions shared by families of APIs, where the request (its query or body) decides what
/// the response alone cannot: one case per convention, grouped by family.
fn family_cases() -> Vec<(Case, Request)> {
    let g = |c: Case| {
        let r = get(c.url);
        (c, r)
    };
    let p = |c: Case, body: Value| {
        let r = post(c.url, body);
        (c, r)
    };
    vec![
        // ------------------------------------------------------------ the request's window
        g(case("search engine, the request's from/size (Elasticsearch-shaped)", "http://localhost:9200/logs/_search?q=error&from=0&size=20", json!({
            "took": 3, "timed_out": false, "hits": {"total": {"value": 45, "relation": "eq"}, "hits": [{"_id": "1"}]}
        }))
            .paginator(json!({"type": "offset", "limit": 20, "offset": 0, "offset_param": "from", "limit_param": "size", "total_path": "hits.total.value"}))
            .records("hits.hits")
            .next("http://localhost:9200/logs/_search?q=error&from=20&size=20")),
        p(case("Elasticsearch, from/size in the body", "http://localhost:9200/logs/_search", json!({
            "hits": {"total": {"value": 45, "relation": "eq"}, "hits": [{"_id": "1"}]}
        }))
            .paginator(json!({"type": "offset", "limit": 20, "offset_body_path": "from", "limit_body_path": "size", "total_path": "hits.total.value"}))
            .records("hits.hits")
            .next("http://localhost:9200/logs/_search"), json!({"query": {"match_all": {}}, "from": 0, "size": 20})),
        p(case("Elasticsearch search_after", "http://localhost:9200/logs/_search", json!({
            "hits": {"total": {"value": 45, "relation": "eq"}, "hits": [{"_id": "1", "sort": [1700000000, "a"]}]}
        }))
            .paginator(json!({"type": "cursor", "cursor_path": "hits.hits[-1].sort", "cursor_body_path": "search_after"}))
            .records("hits.hits")
            .next("http://localhost:9200/logs/_search"), json!({"size": 1, "sort": [{"ts": "asc"}, "_id"], "search_after": [1699999999, "z"]})),
        g(case("page number the request sent, a bare list (Grafana search)", "https://grafana.example/api/search?query=&limit=100&page=1", json!([{"id": 1, "title": "a"}]))
            .paginator(json!({"type": "page_number", "page_param": "page", "page": 1, "base_page": 1, "total_path": null}))
            .next("https://grafana.example/api/search?query=&limit=100&page=2")),
        g(case("page number the request sent, 0-based (Auth0 users)", "https://tenant.auth0.com/api/v2/users?page=0&per_page=50&include_totals=true", json!({
            "start": 0, "limit": 50, "length": 1, "total": 1, "users": [{"user_id": "auth0|1"}]
        }))
            .paginator(json!({"type": "page_number", "page_param": "page", "page": 0, "base_page": 0}))
            .records("users")
            .next("https://tenant.auth0.com/api/v2/users?page=1&per_page=50&include_totals=true")),
        g(case("offset window in the query, header total (Airflow-style total_entries)", "https://airflow.example/api/v1/dags?limit=100&offset=0", json!({
            "dags": [{"dag_id": "a"}], "total_entries": 1
        }))
            .paginator(json!({"type": "offset", "limit": 100, "offset_param": "offset", "limit_param": "limit", "total_path": "total_entries"}))
            .records("dags")),
        p(case("offset window in a PascalCase body (Tencent Cloud)", "https://cvm.tencentcloudapi.com/", json!({
            "Response": {"TotalCount": 2, "InstanceSet": [{"InstanceId": "ins-1"}], "RequestId": "r"}
        }))
            .paginator(json!({"type": "offset", "limit": 1, "offset_body_path": "Offset", "limit_body_path": "Limit", "total_path": "Response.TotalCount"}))
            .records("Response.InstanceSet")
            .next("https://cvm.tencentcloudapi.com/"), json!({"Offset": 0, "Limit": 1})),
        g(case("OData $skip/$top with @odata.count (Azure AI Search)", "https://svc.search.windows.net/indexes/hotels/docs?search=*&$top=10&$skip=0&$count=true", json!({
            "@odata.count": 50, "value": [{"HotelId": "1"}]
        }))
            .paginator(json!({"type": "offset", "limit": 10, "offset_param": "$skip", "limit_param": "$top", "total_path": "$['@odata.count']"}))
            .records("value")
            .next("https://svc.search.windows.net/indexes/hotels/docs?search=*&%24top=10&%24skip=10&%24count=true")),
        g(case("page number in PascalCase (Alibaba Cloud)", "https://ecs.aliyuncs.com/?Action=DescribeInstances&PageNumber=1&PageSize=10", json!({
            "PageNumber": 1, "PageSize": 10, "TotalCount": 2, "Instances": {"Instance": [{"InstanceId": "i-1"}]}, "RequestId": "r"
        }))
            .paginator(json!({"type": "page_number", "page_param": "PageNumber", "base_page": 1}))
            .records("Instances.Instance")
            .next("https://ecs.aliyuncs.com/?Action=DescribeInstances&PageNumber=2&PageSize=10")),
        g(case("a limit the request sent, the item total in a header (X-Total-Count)", "https://api.example.com/orders?limit=2", json!([{"id": 1}, {"id": 2}]))
            .header("X-Total-Count", "7")
            .paginator(json!({"type": "offset", "limit": 2, "offset_param": "offset", "limit_param": "limit", "total_path": null}))
            .next("https://api.example.com/orders?limit=2&offset=2")),
        g(case("a vendor's prefix on offset and limit (ServiceNow)", "https://inst.service-now.com/api/now/table/incident?sysparm_limit=1&sysparm_offset=0", json!({
            "result": [{"sys_id": "a"}]
        }))
            .paginator(json!({"type": "offset", "limit": 1, "offset_param": "sysparm_offset", "limit_param": "sysparm_limit", "total_path": null}))
            .records("result")
            .next("https://inst.service-now.com/api/now/table/incident?sysparm_limit=1&sysparm_offset=1")),
        g(case("first and max: an offset and a size (Keycloak)", "https://kc.example/admin/realms/r/users?first=0&max=2", json!([{"id": "u1"}, {"id": "u2"}]))
            .paginator(json!({"type": "offset", "limit": 2, "offset_param": "first", "limit_param": "max"}))
            .next("https://kc.example/admin/realms/r/users?first=2&max=2")),
        g(case("a count above the page is the total (Etsy)", "https://openapi.etsy.com/v3/application/listings/active?limit=1&offset=0", json!({
            "count": 120, "results": [{"listing_id": 1}]
        }))
            .paginator(json!({"type": "offset", "limit": 1, "offset_param": "offset", "limit_param": "limit", "total_path": "count"}))
            .records("results")
            .next("https://openapi.etsy.com/v3/application/listings/active?limit=1&offset=1")),
        g(case("the request's offset window wins over page counts in the body (Personio)", "https://api.personio.de/v1/company/employees?limit=1&offset=0", json!({
            "success": true, "metadata": {"total_elements": 2, "current_page": 0, "total_pages": 2}, "offset": 0, "limit": 1, "data": [{"id": 1}]
        }))
            .paginator(json!({"type": "offset", "limit": 1, "offset_param": "offset", "limit_param": "limit", "total_path": "metadata.total_elements"}))
            .records("data")
            .next("https://api.personio.de/v1/company/employees?limit=1&offset=1")),
        g(case("a current page in the body, the page size in the request", "https://api.example.com/v2/events?per_page=2", json!({
            "page": 1, "events": [{"id": 1}, {"id": 2}]
        }))
            .paginator(json!({"type": "page_number", "page_param": "page", "page": 1, "base_page": 1, "total_path": null}))
            .records("events")
            .next("https://api.example.com/v2/events?per_page=2&page=2")),
        g(case("p and ps (SonarQube)", "https://sonar.example/api/issues/search?p=1&ps=100", json!({
            "paging": {"pageIndex": 1, "pageSize": 100, "total": 250}, "issues": [{"key": "a"}]
        }))
            .paginator(json!({"type": "page_number", "page_param": "p", "page": 1, "base_page": 1}))
            .records("issues")
            .next("https://sonar.example/api/issues/search?p=2&ps=100")),
        // ------------------------------------------------------------ tokens answering the request
        g(case("next-cursor answers cursor=* (Crossref)", "https://api.crossref.org/works?rows=20&cursor=*", json!({
            "status": "ok", "message": {"total-results": 300, "items": [{"DOI": "10.1/x"}], "items-per-page": 20, "next-cursor": "DnF1ZXJ5"}
        }))
            .paginator(json!({"type": "cursor", "cursor_path": "$['message']['next-cursor']", "cursor_param": "cursor"}))
            .records("message.items")
            .next("https://api.crossref.org/works?rows=20&cursor=DnF1ZXJ5")),
        g(case("Solr cursorMark: nextCursorMark answers cursorMark", "http://localhost:8983/solr/c/select?q=*:*&rows=10&sort=id+asc&cursorMark=*", json!({
            "response": {"numFound": 32, "start": 0, "docs": [{"id": "1"}]}, "nextCursorMark": "AoEjR0JQ"
        }))
            .paginator(json!({"type": "cursor", "cursor_path": "nextCursorMark", "cursor_param": "cursorMark"}))
            .records("response.docs")
            .next("http://localhost:8983/solr/c/select?q=*%3A*&rows=10&sort=id+asc&cursorMark=AoEjR0JQ")),
        g(case("Kubernetes continue (first chunk)", "https://k8s.example/api/v1/pods?limit=500", json!({
            "kind": "PodList", "apiVersion": "v1", "metadata": {"resourceVersion": "10245", "continue": "ENCODED_CONTINUE_TOKEN", "remainingItemCount": 753}, "items": [{}]
        }))
            .paginator(json!({"type": "cursor", "cursor_path": "metadata.continue", "cursor_param": "continue"}))
            .records("items")
            .next("https://k8s.example/api/v1/pods?limit=500&continue=ENCODED_CONTINUE_TOKEN")),
        g(case("Argo-style grouped parameters: the cursor goes beside listOptions.limit", "https://argo.example/api/v1/workflows/ns?listOptions.limit=10", json!({
            "metadata": {"continue": "abc", "resourceVersion": "1"}, "items": [{"metadata": {"name": "w"}}]
        }))
            .paginator(json!({"type": "cursor", "cursor_path": "metadata.continue", "cursor_param": "listOptions.continue"}))
            .records("items")
            .next("https://argo.example/api/v1/workflows/ns?listOptions.limit=10&listOptions.continue=abc")),
        p(case("AWS, a Marker the body sent answered by Marker (DMS)", "https://dms.us-east-1.amazonaws.com/", json!({
            "Endpoints": [{"EndpointIdentifier": "e"}], "Marker": "m2"
        }))
            .paginator(json!({"type": "cursor", "cursor_path": "Marker", "cursor_body_path": "Marker"}))
            .records("Endpoints")
            .next("https://dms.us-east-1.amazonaws.com/"), json!({"MaxRecords": 20, "Marker": ""})),
        p(case("AWS KMS: NextMarker goes back as Marker, Truncated is has_more", "https://kms.us-east-1.amazonaws.com/", json!({
            "Keys": [{"KeyId": "k"}], "NextMarker": "m2", "Truncated": true
        }))
            .paginator(json!({"type": "cursor", "cursor_path": "NextMarker", "cursor_body_path": "Marker", "has_more_path": "Truncated"}))
            .records("Keys")
            .next("https://kms.us-east-1.amazonaws.com/"), json!({"Limit": 1})),
        g(case("Nomad: NextToken goes back as next_token to a snake_case API", "https://nomad.example:4646/v1/volumes/external?plugin_id=p&per_page=2", json!({
            "NextToken": "eyJ2Ijo", "Volumes": [{"ExternalID": "vol-1"}]
        }))
            .paginator(json!({"type": "cursor", "cursor_path": "NextToken", "cursor_param": "next_token"}))
            .records("Volumes")
            .next("https://nomad.example:4646/v1/volumes/external?plugin_id=p&per_page=2&next_token=eyJ2Ijo")),
        g(case("Nomad: the X-Nomad-NextToken header", "https://nomad.example:4646/v1/jobs?per_page=2", json!([{"ID": "a"}]))
            .header("X-Nomad-NextToken", "job-b")
            .header("X-Nomad-Index", "7")
            .paginator(json!({"type": "header_cursor", "cursor_key": "x-nomad-nexttoken", "cursor_param": "next_token"}))
            .next("https://nomad.example:4646/v1/jobs?per_page=2&next_token=job-b")),
        g(case("Oracle Cloud: opc-next-page goes back as page", "https://iaas.us-ashburn-1.oraclecloud.com/20160918/instances?compartmentId=c&limit=10", json!([{"id": "ocid1"}]))
            .header("opc-next-page", "AAAAAAAA")
            .paginator(json!({"type": "header_cursor", "cursor_key": "opc-next-page", "cursor_param": "page"}))
            .next("https://iaas.us-ashburn-1.oraclecloud.com/20160918/instances?compartmentId=c&limit=10&page=AAAAAAAA")),
        p(case("Azure Resource Graph: $skipToken beside the body's options.$top", "https://management.azure.com/providers/Microsoft.ResourceGraph/resources?api-version=2021-03-01", json!({
            "totalRecords": 200, "count": 1, "data": [{"id": "/subscriptions/x"}], "facets": [], "resultTruncated": "false", "$skipToken": "ew0KICAi"
        }))
            .paginator(json!({"type": "cursor", "cursor_path": "$['$skipToken']", "cursor_body_path": "options.$skipToken"}))
            .records("data")
            .next("https://management.azure.com/providers/Microsoft.ResourceGraph/resources?api-version=2021-03-01"), json!({"query": "Resources | project id", "options": {"$top": 1}})),
        p(case("vector store scroll: next_page_offset goes back as offset (Qdrant)", "http://localhost:6333/collections/c/points/scroll", json!({
            "result": {"points": [{"id": 1}], "next_page_offset": 2}, "status": "ok", "time": 0.001
        }))
            .paginator(json!({"type": "cursor", "cursor_path": "result.next_page_offset", "cursor_body_path": "offset"}))
            .records("result.points")
            .next("http://localhost:6333/collections/c/points/scroll"), json!({"limit": 1, "with_payload": true})),
        g(case("Google list on its last page: kind ...List and no nextPageToken (Drive v3)", "https://www.googleapis.com/drive/v3/files?pageSize=2", json!({
            "kind": "drive#fileList", "incompleteSearch": false, "files": [{"id": "f1"}]
        }))
            .paginator(json!({"type": "cursor", "cursor_path": "nextPageToken", "cursor_param": "pageToken"}))
            .records("files")),
        p(case("AWS truncation flag on the last page: NextMarker left out (KMS)", "https://kms.us-east-1.amazonaws.com/", json!({
            "Keys": [{"KeyId": "k"}], "Truncated": false
        }))
            .paginator(json!({"type": "cursor", "cursor_path": "NextMarker", "cursor_body_path": "Marker", "has_more_path": "Truncated"}))
            .records("Keys"), json!({"Limit": 1})),
        g(case("Atlassian Server: nextPageStart goes back as start (Bitbucket Server)", "https://bitbucket.example/rest/api/1.0/projects?limit=2", json!({
            "size": 2, "limit": 2, "isLastPage": false, "values": [{"key": "A"}, {"key": "B"}], "start": 0, "nextPageStart": 2
        }))
            .paginator(json!({"type": "cursor", "cursor_path": "nextPageStart", "cursor_param": "start"}))
            .records("values")
            .next("https://bitbucket.example/rest/api/1.0/projects?limit=2&start=2")),
        p(case("Elasticsearch point in time: search_after from the first request", "http://localhost:9200/_search", json!({
            "pit_id": "46To", "hits": {"total": {"value": 3, "relation": "eq"}, "hits": [{"_id": "1", "sort": [1, 7]}]}
        }))
            .paginator(json!({"type": "cursor", "cursor_path": "hits.hits[-1].sort", "cursor_body_path": "search_after"}))
            .records("hits.hits")
            .next("http://localhost:9200/_search"), json!({"size": 1, "pit": {"id": "46To", "keep_alive": "1m"}, "sort": [{"@timestamp": "asc"}]})),
        // ------------------------------------------------------------ link APIs on their last page
        g(case("DigitalOcean: links.pages without next", "https://api.digitalocean.com/v2/droplets?page=2&per_page=1", json!({
            "droplets": [{"id": 1}], "links": {"pages": {"first": "https://api.digitalocean.com/v2/droplets?page=1&per_page=1", "prev": "https://api.digitalocean.com/v2/droplets?page=1&per_page=1"}}, "meta": {"total": 2}
        }))
            .paginator(json!({"type": "json_link", "next_url_path": "links.pages.next"}))
            .records("droplets")),
        g(case("HAL last page: _links without next", "https://api.example.com/orders?page=3", json!({
            "_embedded": {"orders": [{"id": 1}]}, "_links": {"self": {"href": "https://api.example.com/orders?page=3"}, "first": {"href": "https://api.example.com/orders?page=1"}, "prev": {"href": "https://api.example.com/orders?page=2"}}
        }))
            .paginator(json!({"type": "json_link", "next_url_path": "_links.next.href"}))
            .records("_embedded.orders")),
        g(case("Link header on the last page: prev and first, no next", "https://api.example.com/items?page=5", json!([{"id": 1}]))
            .header("Link", r#"<https://api.example.com/items?page=4>; rel="prev", <https://api.example.com/items?page=1>; rel="first""#)
            .paginator(json!({"type": "header_link"}))),
        g(case("Facebook's last page: cursors, a previous link and no next", "https://graph.facebook.com/me/albums?limit=25&after=MTAx", json!({
            "data": [{"id": "1"}], "paging": {"cursors": {"before": "NDMy", "after": "MTAx"}, "previous": "https://graph.facebook.com/me/albums?limit=25&before=NDMy"}
        }))
            .paginator(json!({"type": "json_link", "next_url_path": "paging.next"}))
            .records("data")),
        g(case("DRF on its only page: next and previous null", "https://api.example.org/accounts/?page=1", json!({
            "count": 2, "next": null, "previous": null, "results": [{"id": 1}, {"id": 2}]
        }))
            .paginator(json!({"type": "json_link", "next_url_path": "next"}))
            .records("results")),
        g(case("OData v4 on its last page: no @odata.nextLink (Microsoft Graph)", "https://graph.microsoft.com/v1.0/users?$top=3", json!({
            "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users", "value": [{"id": "u1"}]
        }))
            .paginator(json!({"type": "json_link", "next_url_path": "$['@odata.nextLink']"}))
            .records("value")),
        g(case("OpenStack: servers_links (rel next) beside servers", "https://compute.example/v2.1/servers?limit=1", json!({
            "servers": [{"id": "s1"}], "servers_links": [{"href": "https://compute.example/v2.1/servers?limit=1&marker=s1", "rel": "next"}]
        }))
            .paginator(json!({"type": "json_link", "next_url_path": "servers_links[?(@.rel=='next')].href"}))
            .records("servers")
            .next("https://compute.example/v2.1/servers?limit=1&marker=s1")),
        // ------------------------------------------------------------ pages
        g(case("Hetzner: a numeric next_page beside page and last_page is a page count", "https://api.hetzner.cloud/v1/servers?page=1&per_page=25", json!({
            "servers": [{"id": 1}], "meta": {"pagination": {"page": 1, "per_page": 25, "previous_page": null, "next_page": 2, "last_page": 4, "total_entries": 100}}
        }))
            .paginator(json!({"type": "page_number", "page_param": "page", "base_page": 1, "total_path": "meta.pagination.last_page"}))
            .records("servers")
            .next("https://api.hetzner.cloud/v1/servers?page=2&per_page=25")),
        g(case("Cloudflare: result and result_info", "https://api.cloudflare.com/client/v4/zones?page=1&per_page=20", json!({
            "success": true, "errors": [], "messages": [], "result": [{"id": "z"}], "result_info": {"page": 1, "per_page": 20, "count": 1, "total_count": 41, "total_pages": 3}
        }))
            .paginator(json!({"type": "page_number", "page_param": "page", "total_path": "result_info.total_pages"}))
            .records("result")
            .next("https://api.cloudflare.com/client/v4/zones?page=2&per_page=20")),
        p(case("Elastic App Search: page.current in the body", "https://example.ent.io/api/as/v1/engines/e/search", json!({
            "meta": {"page": {"current": 1, "total_pages": 3, "total_results": 25, "size": 10}}, "results": [{"id": {"raw": "1"}}]
        }))
            .paginator(json!({"type": "page_number", "page_body_path": "page.current", "base_page": 1, "total_path": "meta.page.total_pages"}))
            .records("results")
            .next("https://example.ent.io/api/as/v1/engines/e/search"), json!({"query": "park", "page": {"current": 1, "size": 10}})),
        g(case("WordPress: X-WP-TotalPages without a current page header", "https://example.com/wp-json/wp/v2/posts?per_page=10&page=1", json!([{"id": 1}]))
            .header("X-WP-Total", "25")
            .header("X-WP-TotalPages", "3")
            .paginator(json!({"type": "page_number", "page_param": "page", "base_page": 1}))
            .next("https://example.com/wp-json/wp/v2/posts?per_page=10&page=2")),
        g(case("GitLab headers without a Link: X-Page and X-Total-Pages", "https://gitlab.example/api/v4/projects?per_page=2", json!([{"id": 1}]))
            .header("X-Page", "1")
            .header("X-Next-Page", "2")
            .header("X-Per-Page", "2")
            .header("X-Total-Pages", "3")
            .paginator(json!({"type": "page_number", "page_param": "page", "page": 1, "base_page": 1}))
            .next("https://gitlab.example/api/v4/projects?per_page=2&page=2")),
        // ------------------------------------------------------------ search engines' defaults
        g(case("Quickwit: num_hits, 20 hits a page by default", "http://127.0.0.1:7280/api/v1/logs/search?query=error", json!({
            "num_hits": 100, "hits": [{"body": "x"}], "elapsed_time_micros": 10
        }))
            .paginator(json!({"type": "offset", "limit": 20, "offset_param": "start_offset", "limit_param": "max_hits", "total_path": "num_hits"}))
            .records("hits")
            .next("http://127.0.0.1:7280/api/v1/logs/search?query=error&start_offset=20&max_hits=20")),
        g(case("Vespa: root.fields.totalCount, the request's hits", "http://localhost:8080/search/?yql=select%20*%20from%20music%20where%20true&hits=5", json!({
            "root": {"id": "toplevel", "relevance": 1.0, "fields": {"totalCount": 12}, "coverage": {"coverage": 100}, "children": [{"id": "a", "fields": {}}]}
        }))
            .paginator(json!({"type": "offset", "limit": 5, "offset_param": "offset", "limit_param": "hits", "total_path": "root.fields.totalCount"}))
            .records("root.children")
            .next("http://localhost:8080/search/?yql=select+*+from+music+where+true&hits=5&offset=5")),
        g(case("npm registry search: objects, total, time", "https://registry.npmjs.org/-/v1/search?text=react", json!({
            "objects": [{"package": {"name": "react"}}], "total": 4000, "time": "Wed Jan 01 2025"
        }))
            .paginator(json!({"type": "offset", "limit": 20, "offset_param": "from", "limit_param": "size", "total_path": "total"}))
            .records("objects")
            .next("https://registry.npmjs.org/-/v1/search?text=react&from=20&size=20")),
        // ------------------------------------------------------------ GraphQL
        p(case("GraphQL connection five levels deep (GitHub)", "https://api.github.com/graphql", json!({
            "data": {"repository": {"issues": {"totalCount": 3, "pageInfo": {"endCursor": "Y3Vyc29y", "hasNextPage": true}, "nodes": [{"title": "a"}]}}}
        }))
            .paginator(json!({"type": "cursor", "cursor_path": "data.repository.issues.pageInfo.endCursor", "cursor_body_path": "variables.cursor", "has_more_path": "data.repository.issues.pageInfo.hasNextPage"}))
            .records("data.repository.issues.nodes")
            .next("https://api.github.com/graphql"),
            json!({"query": "query($owner: String!, $cursor: String) { repository(owner: $owner, name: \"r\") { issues(first: 1, after: $cursor) { totalCount pageInfo { endCursor hasNextPage } nodes { title } } } }", "variables": {"owner": "o"}})),
        p(case("GraphQL cursor argument and a list beside nextCursor, five levels deep (New Relic)", "https://api.newrelic.com/graphql", json!({
            "data": {"actor": {"entitySearch": {"results": {"entities": [{"guid": "g1"}], "nextCursor": "MjA="}}}}
        }))
            .paginator(json!({"type": "cursor", "cursor_path": "data.actor.entitySearch.results.nextCursor", "cursor_body_path": "variables.c"}))
            .records("data.actor.entitySearch.results.entities")
            .next("https://api.newrelic.com/graphql"),
            json!({"query": "query($c: String) { actor { entitySearch(query: \"type = 'HOST'\") { results(cursor: $c) { entities { guid } nextCursor } } } }"})),
        p(case("GraphQL offset arguments (Hasura-style)", "https://hasura.example/v1/graphql", json!({
            "data": {"users": [{"id": 1}]}
        }))
            .paginator(json!({"type": "offset", "limit": 10, "offset": 0, "offset_body_path": "variables.offset", "limit_body_path": "variables.limit"}))
            .records("data.users")
            .next("https://hasura.example/v1/graphql"),
            json!({"query": "query($limit: Int, $offset: Int) { users(limit: $limit, offset: $offset) { id } }", "variables": {"limit": 10, "offset": 0}})),
        p(case("GraphQL literal window: the body's skip/limit go back as variables (Contentful)", "https://graphql.contentful.com/content/v1/spaces/s", json!({
            "data": {"blogPostCollection": {"total": 3, "skip": 0, "limit": 1, "items": [{"title": "a"}]}}
        }))
            .paginator(json!({"type": "offset", "limit": 1, "offset_body_path": "variables.skip", "limit_body_path": "variables.limit", "total_path": "data.blogPostCollection.total"}))
            .records("data.blogPostCollection.items")
            .next("https://graphql.contentful.com/content/v1/spaces/s"),
            json!({"query": "query($skip: Int, $limit: Int) { blogPostCollection(skip: $skip, limit: $limit) { total skip limit items { title } } }"})),
        g(case("BigQuery: pageToken is the next page's token", "https://bigquery.googleapis.com/bigquery/v2/projects/p/queries/job?maxResults=1", json!({
            "kind": "bigquery#getQueryResultsResponse", "schema": {"fields": [{"name": "n"}]}, "rows": [{"f": [{"v": "1"}]}], "pageToken": "BFE3", "totalRows": "3", "jobComplete": true
        }))
            .paginator(json!({"type": "cursor", "cursor_path": "pageToken", "cursor_param": "pageToken"}))
            .records("rows")
            .next("https://bigquery.googleapis.com/bigquery/v2/projects/p/queries/job?maxResults=1&pageToken=BFE3")),
        // ------------------------------------------------------------ HAL page APIs
        g(case("HAL: a templated next href is a URI template, not a URL; the page numbers decide (Spring Data REST)", "http://localhost:8080/people?size=5", json!({
            "_links": {"next": {"href": "http://localhost:8080/people?page=1&size=5{&sort}", "templated": true}},
            "_embedded": {"people": [{}]}, "page": {"size": 5, "totalElements": 50, "totalPages": 10, "number": 0}
        }))
            .paginator(json!({"type": "page_number", "page_param": "page", "base_page": 0, "total_path": "page.totalPages"}))
            .records("_embedded.people")
            .next("http://localhost:8080/people?size=5&page=1")),
        g(case("HAL last page without next, with the request's page and a page count: the page decides (pagesTotal)", "https://api.example.com/v1/companies?pageNumber=2&pageSize=10", json!({
            "_links": {"first": {"href": "https://api.example.com/v1/companies?pageNumber=1&pageSize=10"},
                       "prev": {"href": "https://api.example.com/v1/companies?pageNumber=1&pageSize=10"}},
            "itemsTotal": 11, "pagesTotal": 2, "data": [{"id": "c"}]
        }))
            .paginator(json!({"type": "page_number", "page_param": "pageNumber", "base_page": 1, "total_path": "pagesTotal"}))
            .records("data")),
        p(case("SQL result set: rows of values beside their columns, the cursor back in the body (OpenSearch SQL)", "http://localhost:9200/_plugins/_sql", json!({
            "schema": [{"name": "firstname", "type": "text"}], "cursor": "d:eyJh", "total": 956, "datarows": [["Cherry"], ["Lindsey"]], "size": 2, "status": 200
        }))
            .paginator(json!({"type": "cursor", "cursor_path": "cursor", "cursor_body_path": "cursor"}))
            .records("datarows")
            .next("http://localhost:9200/_plugins/_sql"),
            json!({"fetch_size": 2, "query": "SELECT firstname FROM accounts"})),
        p(case("a body's empty options object takes the page (mongoose-paginate's query endpoints)", "https://api.example.com/v4/capsules/query", json!({
            "docs": [{"id": "c1"}], "totalDocs": 19, "offset": 0, "limit": 10, "totalPages": 2, "page": 1,
            "pagingCounter": 1, "hasPrevPage": false, "hasNextPage": true, "prevPage": null, "nextPage": 2
        }))
            .paginator(json!({"type": "page_number", "page_body_path": "options.page", "base_page": 1, "total_path": "totalPages"}))
            .records("docs")
            .next("https://api.example.com/v4/capsules/query"),
            json!({"query": {}, "options": {}})),
        g(case("a load-more link of an infinite-scroll list (Discourse)", "https://forum.example.com/directory_items.json?period=weekly", json!({
            "directory_items": [{"id": 5}], "total_rows_directory_items": 5, "load_more_directory_items": "/directory_items?page=1&period=weekly"
        }))
            .paginator(json!({"type": "json_link", "next_url_path": "load_more_directory_items"}))
            .records("directory_items")
            .next("https://forum.example.com/directory_items?page=1&period=weekly")),
        g(case("the request's own range=[0, 24] with Content-Range: no offset walk sends it (react-admin's simple REST)", "http://localhost:3000/posts?sort=[\"title\",\"ASC\"]&range=[0, 24]", json!([{"id": 1}]))
            .header("Content-Range", "posts 0-24/319")),
        g(case("AIP-158 in snake case: next_page_token answers page_token (Databricks, Alpaca)", "https://dbc.example.com/api/2.1/jobs/list?limit=25", json!({
            "jobs": [{"job_id": 1}], "has_more": true, "next_page_token": "CAEomPuc"
        }))
            .paginator(json!({"type": "cursor", "cursor_path": "next_page_token", "cursor_param": "page_token", "has_more_path": "has_more"}))
            .records("jobs")
            .next("https://dbc.example.com/api/2.1/jobs/list?limit=25&page_token=CAEomPuc")),
        g(case("a list object with its cursor in meta takes cursor, not Notion's start_cursor (Gorgias)", "https://shop.example.com/api/customers?limit=30", json!({
            "data": [{"id": 1}], "meta": {"prev_cursor": null, "next_cursor": "WzE2NjI"}, "object": "list", "uri": "/api/customers?limit=30"
        }))
            .paginator(json!({"type": "cursor", "cursor_path": "meta.next_cursor", "cursor_param": "cursor"}))
            .records("data")
            .next("https://shop.example.com/api/customers?limit=30&cursor=WzE2NjI")),
        g(case("a continuation token in a header wins over the request's $top (Azure DevOps)", "https://dev.azure.com/org/_apis/projects?$top=100", json!({
            "count": 100, "value": [{"id": "p"}]
        }))
            .header("x-ms-continuationtoken", "abc")
            .paginator(json!({"type": "header_cursor", "cursor_key": "x-ms-continuationtoken", "cursor_param": "continuationToken"}))
            .records("value")
            .next("https://dev.azure.com/org/_apis/projects?%24top=100&continuationToken=abc")),
        // ------------------------------------------------------------ unpaginated
        g(case("Prometheus query: data.result, nothing to page", "http://localhost:9090/api/v1/query?query=up", json!({
            "status": "success", "data": {"resultType": "vector", "result": [{"metric": {}, "value": [1, "1"]}]}
        }))
            .records("data.result")),
    ]
}

#[test]
fn convention_families() {
    for (c, request) in &family_cases() {
        run(c, request);
    }
}

#[test]
fn post_searches_get_the_cursor_in_the_body() {
    // Notion's database query is a POST with a JSON body; the cursor goes back in the body.
    let c = case("Notion database query (POST)", "https://api.notion.com/v1/databases/d9824bdc/query", json!({
        "object": "list",
        "results": [{"object": "page", "id": "59833787"}],
        "next_cursor": "0e1a3a8a-0c28-4aa3-a2d7-1f6f3cfc0a20",
        "has_more": true,
        "type": "page_or_database",
        "page_or_database": {}
    }))
    .paginator(json!({"type": "cursor", "cursor_path": "next_cursor", "cursor_body_path": "start_cursor", "has_more_path": "has_more"}))
    .records("results")
    .next("https://api.notion.com/v1/databases/d9824bdc/query");
    let mut request = Request::new(Method::POST, c.url.parse().unwrap());
    request.set_body(Some(Body::Json(
        json!({"page_size": 1, "filter": {"property": "Done", "checkbox": {"equals": true}}}),
    )));
    let next = run(&c, &request).unwrap();
    assert_eq!(
        next.json(),
        Some(&json!({
            "page_size": 1,
            "filter": {"property": "Done", "checkbox": {"equals": true}},
            "start_cursor": "0e1a3a8a-0c28-4aa3-a2d7-1f6f3cfc0a20"
        }))
    );
}

#[test]
fn parameters_the_caller_sent_keep_their_names() {
    // OData-style `$skip`/`$top` in the query: the detected offset keeps the `$` names.
    let c = case("OData $skip/$top", "https://api.example.com/odata/Products?$top=2", json!({
        "value": [{"id": 1}, {"id": 2}], "skip": 0, "top": 2, "count": 5
    }))
    .paginator(json!({"type": "offset", "limit": 2, "offset_param": "$skip", "limit_param": "$top", "total_path": "count"}))
    .records("value")
    .next("https://api.example.com/odata/Products?%24top=2&%24skip=2");
    run(&c, &get(c.url));
}

#[test]
fn a_count_equal_to_the_page_is_not_a_total() {
    // `count` is the number of records on this page here, so the walk must not stop at it.
    let c = case(
        "offset with a page count",
        "https://api.example.com/items",
        json!({
            "items": [{"id": 1}, {"id": 2}], "offset": 0, "limit": 2, "count": 2
        }),
    )
    .paginator(json!({"type": "offset", "limit": 2, "total_path": null}))
    .records("items")
    .next("https://api.example.com/items?offset=2&limit=2");
    run(&c, &get(c.url));
}

#[test]
fn a_page_request_continues_from_the_page_sent() {
    // The caller asked for page 3 of a 1-based API; the body says so: page 4 is next.
    let c = case(
        "page 3 of 5",
        "https://api.example.com/items?page=3",
        json!({
            "data": [{"id": 5}], "page": 3, "total_pages": 5
        }),
    )
    .paginator(
        json!({"type": "page_number", "base_page": 1, "page": 3, "total_path": "total_pages"}),
    )
    .records("data")
    .next("https://api.example.com/items?page=4");
    run(&c, &get(c.url));
}

#[test]
fn tokens_under_next_are_cursors_and_garbage_headers_are_ignored() {
    let c = case(
        "a bare token under next",
        "https://api.example.com/items",
        json!({
            "items": [{"id": 1}], "next": "abc123"
        }),
    )
    .header("Link", "this is not a link header")
    .paginator(json!({"type": "cursor", "cursor_path": "next", "cursor_param": "cursor"}))
    .records("items")
    .next("https://api.example.com/items?cursor=abc123");
    run(&c, &get(c.url));

    let c = case(
        "has_more without a cursor",
        "https://api.example.com/items",
        json!({
            "items": [{"id": 1}], "has_more": true
        }),
    )
    .records("items");
    run(&c, &get(c.url));

    let c = case(
        "a body that is not JSON",
        "https://api.example.com/items",
        json!(null),
    );
    let response =
        Response::from_parts(200, vec![("next", "tok")], c.url, b"<html/>".to_vec()).unwrap();
    let found = detect::paginator(&response).unwrap();
    assert_eq!(found.describe()["type"], "header_cursor");
}

#[test]
fn a_page_count_without_a_current_page_is_a_guess() {
    let c = case(
        "total_pages alone",
        "https://api.example.com/items",
        json!({
            "data": [{"id": 1}], "total_pages": 3
        }),
    )
    .paginator(
        json!({"type": "page_number", "base_page": 1, "page": 1, "total_path": "total_pages"}),
    )
    .records("data")
    .next("https://api.example.com/items?page=2");
    run(&c, &get(c.url));
    let response =
        Response::from_parts(200, vec![], c.url, c.body.to_string().into_bytes()).unwrap();
    let found = detect::paginator(&response).unwrap();
    assert!(
        found.confidence < 0.7,
        "logged at WARN as a guess: {}",
        found.confidence
    );
    assert!(found.source.contains("1-based"), "{}", found.source);
}

// ======================================================================
// Detected walks.
//
// Walks over the demo API with no paginator and no data selector: the paginator and the records
// are detected from the first response, and every style the demo serves delivers every record
// exactly once, with the requests a hand-configured paginator would make.
const RECORDS: u64 = 25;
const PAGE_SIZE: u64 = 10;

/// Walks `path` in auto mode; checks every record once, the detected description on every page,
/// the record selector and the requests the server got.
async fn auto(path: &str, paginator: Value, records: &str, requests: &[&str]) {
    let server = demo(RECORDS, PAGE_SIZE).await;
    let w = walk(client(&server).paginate(path)).await;
    assert_records(&w.records(), RECORDS);
    for page in &w.pages {
        assert_eq!(page.paginator(), &paginator, "{path}: description");
        assert_eq!(page.data_selector().as_str(), records, "{path}: records");
    }
    assert_eq!(paths(&server), requests, "{path}: requests");
    // The first page shows the request that was sent, not the paginator's edit of it.
    assert_eq!(
        w.pages[0].request().full_url().path(),
        requests[0].split('?').next().unwrap()
    );
    assert_eq!(w.pages[0].request().full_url().query(), None, "{path}");
}

#[tokio::test]
async fn offset_continues_at_offset_plus_the_reported_limit() {
    auto(
        "/offset",
        json!({"type": "offset", "limit": 10, "offset": 0, "offset_param": "offset", "limit_param": "limit",
               "total_path": "total", "stop_after_empty_page": true}),
        "items",
        &[
            "/offset",
            "/offset?offset=10&limit=10",
            "/offset?offset=20&limit=10",
        ],
    )
    .await;
}

#[tokio::test]
async fn one_based_pages_fetch_page_one_once_and_the_last_page() {
    let server = demo(RECORDS, PAGE_SIZE).await;
    let (logs, _guard) = capture_logs("info");
    let w = walk(client(&server).paginate("/page")).await;
    assert_records(&w.records(), RECORDS);
    // The exact sequence: no duplicate page 1, page 3 (the last) fetched, nothing after it.
    assert_eq!(paths(&server), ["/page", "/page?page=2", "/page?page=3"]);
    assert_eq!(w.stop_reason(), StopReason::TotalReached { total: 3 });
    let requests: Vec<String> = w
        .pages
        .iter()
        .map(|p| p.request().full_url().to_string())
        .collect();
    let base = server.url();
    assert_eq!(
        requests,
        [
            format!("{base}/page"),
            format!("{base}/page?page=2"),
            format!("{base}/page?page=3")
        ]
    );
    assert_eq!(
        w.pages[0].paginator(),
        &json!({"type": "page_number", "base_page": 1, "page": 1, "page_param": "page",
                "total_path": "total_pages", "stop_after_empty_page": true})
    );
    // The decision is logged at INFO with the keys it came from.
    let detected = logs.lines_with("detected the paginator");
    assert_eq!(detected.len(), 1, "{}", logs.text());
    assert!(detected[0].contains("INFO"), "{}", detected[0]);
    assert!(
        detected[0].contains("`page` and `total_pages`"),
        "{}",
        detected[0]
    );
    assert!(logs.lines_with("WARN").is_empty(), "{}", logs.text());
}

#[tokio::test]
async fn one_based_pages_keep_the_callers_page_size() {
    let server = demo(RECORDS, PAGE_SIZE).await;
    let w = walk(client(&server).paginate("/page").param("page_size", 20)).await;
    assert_records(&w.records(), RECORDS);
    assert_eq!(
        paths(&server),
        ["/page?page_size=20", "/page?page_size=20&page=2"]
    );
}

#[tokio::test]
async fn zero_based_pages() {
    auto(
        "/page0",
        json!({"type": "page_number", "base_page": 0, "page": 0, "page_param": "page",
               "total_path": "total_pages", "stop_after_empty_page": true}),
        "data",
        &["/page0", "/page0?page=1", "/page0?page=2"],
    )
    .await;
}

#[tokio::test]
async fn one_based_pages_in_a_post_body() {
    let server = demo(RECORDS, PAGE_SIZE).await;
    let w = walk(
        client(&server)
            .paginate("/page")
            .method(Method::POST)
            .json(&json!({"page_size": 10})),
    )
    .await;
    assert_records(&w.records(), RECORDS);
    assert_eq!(paths(&server), ["/page", "/page", "/page"]);
    assert_eq!(
        json_bodies(&server),
        [
            Some(json!({"page_size": 10})),
            Some(json!({"page_size": 10, "page": 2})),
            Some(json!({"page_size": 10, "page": 3})),
        ]
    );
    assert_eq!(w.pages[0].paginator()["page_body_path"], "page");
}

#[tokio::test]
async fn json_link_relative() {
    auto(
        "/json-link",
        json!({"type": "json_link", "next_url_path": "next"}),
        "data",
        &["/json-link", "/json-link?page=2", "/json-link?page=3"],
    )
    .await;
}

#[tokio::test]
async fn json_link_absolute() {
    auto(
        "/json-link/absolute",
        json!({"type": "json_link", "next_url_path": "next"}),
        "data",
        &[
            "/json-link/absolute",
            "/json-link/absolute?page=2",
            "/json-link/absolute?page=3",
        ],
    )
    .await;
}

#[tokio::test]
async fn json_link_nested() {
    auto(
        "/json-link/nested",
        json!({"type": "json_link", "next_url_path": "pagination.next"}),
        "results.posts",
        &[
            "/json-link/nested",
            "/json-link/nested?page=2",
            "/json-link/nested?page=3",
        ],
    )
    .await;
}

#[tokio::test]
async fn header_link() {
    auto(
        "/header-link",
        json!({"type": "header_link", "links_next_key": "next"}),
        "$",
        &["/header-link", "/header-link?page=2", "/header-link?page=3"],
    )
    .await;
}

#[tokio::test]
async fn cursor() {
    let server = demo(RECORDS, PAGE_SIZE).await;
    let w = walk(client(&server).paginate("/cursor")).await;
    assert_records(&w.records(), RECORDS);
    assert_eq!(
        w.pages[0].paginator(),
        &json!({"type": "cursor", "cursor_path": "cursors.next", "cursor_param": "cursor"})
    );
    let got = paths(&server);
    assert_eq!(got.len(), 3, "{got:?}");
    assert_eq!(got[0], "/cursor");
    assert!(got[1..].iter().all(|p| p.starts_with("/cursor?cursor=")));
    assert_eq!(w.stop_reason(), StopReason::NoCursor);
}

#[tokio::test]
async fn cursor_with_has_more_stops_on_has_more() {
    // The demo sets `next_cursor` on every page, the last included: only `has_more` can stop.
    let server = demo(RECORDS, PAGE_SIZE).await;
    let w = walk(client(&server).paginate("/cursor/has-more")).await;
    assert_records(&w.records(), RECORDS);
    assert_eq!(
        w.pages[0].paginator(),
        &json!({"type": "cursor", "cursor_path": "next_cursor", "cursor_param": "cursor", "has_more_path": "has_more"})
    );
    assert_eq!(paths(&server).len(), 3);
    assert_eq!(w.stop_reason(), StopReason::HasMoreFalse);
}

#[tokio::test]
async fn header_cursor() {
    let server = demo(RECORDS, PAGE_SIZE).await;
    let w = walk(client(&server).paginate("/header-cursor")).await;
    assert_records(&w.records(), RECORDS);
    assert_eq!(
        w.pages[0].paginator(),
        &json!({"type": "header_cursor", "cursor_key": "next", "cursor_param": "cursor"})
    );
    let got = paths(&server);
    assert_eq!(got.len(), 3, "{got:?}");
    assert!(
        got[1..]
            .iter()
            .all(|p| p.starts_with("/header-cursor?cursor="))
    );
}

#[tokio::test]
async fn post_search_sends_the_cursor_in_the_body() {
    let server = demo(RECORDS, PAGE_SIZE).await;
    let w = walk(
        client(&server)
            .paginate("/search")
            .method(Method::POST)
            .json(&json!({"query": "x", "limit": 10})),
    )
    .await;
    assert_records(&w.records(), RECORDS);
    assert_eq!(
        w.pages[0].paginator(),
        &json!({"type": "cursor", "cursor_path": "next_page_cursor", "cursor_body_path": "cursor"})
    );
    assert_eq!(w.pages[0].data_selector().as_str(), "results");
    let bodies = json_bodies(&server);
    assert_eq!(bodies.len(), 3);
    assert_eq!(bodies[0], Some(json!({"query": "x", "limit": 10})));
    for body in &bodies[1..] {
        let body = body.as_ref().unwrap();
        assert_eq!(body["query"], "x");
        assert!(body["cursor"].is_string(), "{body}");
    }
    assert_eq!(paths(&server), ["/search", "/search", "/search"]);
}

#[tokio::test]
async fn a_list_without_pagination_is_one_page_with_a_warning() {
    let server = demo(RECORDS, PAGE_SIZE).await;
    let (logs, _guard) = capture_logs("info");
    let w = walk(client(&server).paginate("/offset/has-more")).await;
    // Only the first page: the body says `has_more` but not how to get more.
    assert_eq!(w.ids(), (1..=PAGE_SIZE).collect::<Vec<_>>());
    assert_eq!(paths(&server), ["/offset/has-more"]);
    assert_eq!(w.stop_reason(), StopReason::SinglePage);
    assert_eq!(w.pages[0].paginator(), &json!({"type": "single_page"}));
    let warned = logs.lines_with("WARN");
    assert_eq!(warned.len(), 1, "{}", logs.text());
    for needle in ["may be incomplete", "Set a paginator", "`has_more` is true"] {
        assert!(warned[0].contains(needle), "{needle}: {}", warned[0]);
    }
}

#[tokio::test]
async fn a_single_object_is_one_page_at_info() {
    let server = demo(RECORDS, PAGE_SIZE).await;
    let (logs, _guard) = capture_logs("info");
    let w = walk(client(&server).paginate("/posts/3")).await;
    assert_eq!(w.ids(), [3]);
    assert_eq!(w.pages[0].data_selector().as_str(), "$");
    assert!(logs.lines_with("WARN").is_empty(), "{}", logs.text());
    let single = logs.lines_with("single object");
    assert_eq!(single.len(), 1, "{}", logs.text());
    assert!(single[0].contains("INFO"));
}

#[tokio::test]
async fn an_explicit_paginator_is_never_replaced() {
    let server = demo(RECORDS, PAGE_SIZE).await;
    let w = walk(
        client(&server)
            .paginate("/page")
            .paginator(restclient::paginators::SinglePagePaginator::new()),
    )
    .await;
    assert_eq!(w.ids().len(), 10);
    assert_eq!(paths(&server), ["/page"]);
}

#[tokio::test]
async fn an_incremental_export_stops_where_its_stream_ends() {
    // Zendesk's incremental export: `after_cursor` stays set on the last page, which says
    // `end_of_stream: true` instead. The detected cursor reads the flag on every page.
    let server = server::http(|req| async move {
        let body = match server::query_param(&req, "cursor").as_deref() {
            None => json!({"tickets": [{"id": 1}], "after_cursor": "c1",
                           "after_url": "/export?cursor=c1", "end_of_stream": false}),
            Some("c1") => json!({"tickets": [{"id": 2}], "after_cursor": "c2",
                                 "after_url": "/export?cursor=c2", "end_of_stream": true}),
            Some(other) => json!({"tickets": [], "unexpected_cursor": other}),
        };
        server::ok(body)
    });
    let w = walk(support::client_at(&server.url()).paginate("/export")).await;
    assert_eq!(w.ids(), [1, 2]);
    assert_eq!(
        w.pages[0].paginator(),
        &json!({"type": "cursor", "cursor_path": "after_cursor", "cursor_param": "cursor",
                "end_of_stream_path": "end_of_stream"})
    );
    assert_eq!(w.stop_reason(), StopReason::EndOfStream);
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn the_loop_guard_covers_the_first_request() {
    // A next link back to the first URL: the detected paginator must not fetch it again.
    let server =
        server::http(|_req| async { server::ok(json!({"data": [{"id": 1}], "next": "/loop"})) });
    let client = support::client_at(&server.url());
    let w = try_walk(client.paginate("/loop")).await;
    assert_eq!(w.pages.len(), 1);
    assert!(w.error().is_pagination_loop(), "{}", w.error());
    assert_eq!(server.requests().len(), 1);
}

// ======================================================================
// The request decides: walks whose first request names the window.

/// A search engine that counts no total (OpenSearch with `track_total_hits: false`): 45 hits,
/// served `size` at a time from `from`, both read from the query or the JSON body.
fn totalless_search_engine() -> server::Server {
    server::http(|req| async move {
        let body: Option<Value> = serde_json::from_slice(&req.body).ok();
        let read = |name: &str| {
            server::query_u64(&req, name).or_else(|| body.as_ref()?.get(name)?.as_u64())
        };
        let (from, size) = (read("from").unwrap_or(0), read("size").unwrap_or(10));
        let hits: Vec<Value> = (from + 1..=(from + size).min(45))
            .map(|id| json!({"id": id, "_index": "logs"}))
            .collect();
        server::ok(
            json!({"took": 1, "timed_out": false, "hits": {"max_score": null, "hits": hits}}),
        )
    })
}

#[tokio::test]
async fn an_offset_window_the_request_opened_is_walked_to_the_end() {
    // The response alone says nothing of paging; the request's `from=0&size=20` does. Every
    // way of giving it (the URL's query, `.param`, a JSON body) reaches detection.
    let server = totalless_search_engine();
    let client = support::client_at(&server.url());
    let walks = [
        client.paginate("/logs/_search?from=0&size=20"),
        client
            .paginate("/logs/_search")
            .param("from", "0")
            .param("size", "20"),
        client
            .paginate("/logs/_search")
            .method(Method::POST)
            .json(&json!({"query": {"match_all": {}}, "from": 0, "size": 20})),
    ];
    for (i, paginate) in walks.into_iter().enumerate() {
        let before = server.requests().len();
        let w = walk(paginate).await;
        assert_eq!(w.ids(), (1..=45).collect::<Vec<_>>(), "walk {i}");
        assert_eq!(w.pages[0].paginator()["type"], "offset", "walk {i}");
        assert_eq!(w.pages[0].data_selector().as_str(), "hits.hits");
        let froms: Vec<Option<u64>> = server.requests()[before..]
            .iter()
            .map(|r| {
                server::query_u64(r, "from")
                    .or_else(|| serde_json::from_slice::<Value>(&r.body).ok()?["from"].as_u64())
            })
            .collect();
        assert_eq!(froms, [Some(0), Some(20), Some(40), Some(60)], "walk {i}");
    }
}

#[tokio::test]
async fn a_page_number_the_request_sent_is_walked_to_an_empty_page() {
    // A bare list and `?page=1&per_page=2`: only the request says the API pages.
    let server = server::http(|req| async move {
        let page = server::query_u64(&req, "page").unwrap_or(1);
        let per_page = server::query_u64(&req, "per_page").unwrap_or(2);
        let ids: Vec<Value> = ((page - 1) * per_page + 1..=(page * per_page).min(5))
            .map(|id| json!({"id": id}))
            .collect();
        server::ok(Value::Array(ids))
    });
    let w = walk(support::client_at(&server.url()).paginate("/items?page=1&per_page=2")).await;
    assert_eq!(w.ids(), [1, 2, 3, 4, 5]);
    let pages: Vec<(Option<u64>, Option<u64>)> = server
        .requests()
        .iter()
        .map(|r| {
            (
                server::query_u64(r, "page"),
                server::query_u64(r, "per_page"),
            )
        })
        .collect();
    assert_eq!(
        pages,
        [
            (Some(1), Some(2)),
            (Some(2), Some(2)),
            (Some(3), Some(2)),
            (Some(4), Some(2))
        ]
    );
}

#[tokio::test]
async fn a_token_answering_the_requests_parameter_goes_back_under_its_name() {
    // Solr-style: the request starts with `cursorMark=*`; the body's `nextCursorMark` answers
    // it and goes back as `cursorMark`, not as the offset window `rows` and `numFound` suggest.
    let server = server::http(|req| async move {
        let body = match server::query_param(&req, "cursorMark").as_deref() {
            Some("*") => {
                json!({"response": {"numFound": 3, "start": 0, "docs": [{"id": 1}, {"id": 2}]},
                                "nextCursorMark": "AoE2"})
            }
            Some("AoE2") => json!({"response": {"numFound": 3, "start": 0, "docs": [{"id": 3}]},
                                   "nextCursorMark": ""}),
            _ => json!({"response": {"numFound": 3, "start": 0, "docs": []}}),
        };
        server::ok(body)
    });
    let w = walk(
        support::client_at(&server.url())
            .paginate("/solr/c/select")
            .param("q", "*:*")
            .param("rows", "2")
            .param("cursorMark", "*"),
    )
    .await;
    assert_eq!(w.ids(), [1, 2, 3]);
    assert_eq!(
        w.pages[0].paginator(),
        &json!({"type": "cursor", "cursor_path": "nextCursorMark", "cursor_param": "cursorMark"})
    );
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn a_run_endpoint_with_paginator_auto_detects_from_its_params() {
    // `Paginate::detect_paginator` (a run's `paginator: auto`) sees the endpoint's params.
    let server = totalless_search_engine();
    let dir = tempfile::tempdir().unwrap();
    let config = json!({
        "client": {"base_url": format!("{}/", server.url())},
        "resources": [{"name": "hits", "endpoint": {"path": "logs/_search",
            "params": {"from": 0, "size": 20}, "paginator": "auto"}}],
    });
    let summary = restclient::run::Run::from_value(config)
        .unwrap()
        .run_to_dir(dir.path())
        .await
        .unwrap();
    assert!(summary.is_success(), "{summary:?}");
    let ids: Vec<u64> = support::lines(dir.path(), "hits")
        .iter()
        .map(|r| r["id"].as_u64().unwrap())
        .collect();
    assert_eq!(ids, (1..=45).collect::<Vec<_>>());
    assert_eq!(server.requests().len(), 4);
}
