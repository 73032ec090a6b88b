//! Property tests: parsers and pure logic never panic on arbitrary input, keep their
//! invariants, and agree with an independent oracle where one exists (a URL built from its
//! generated parts, a `Link` header built from generated links, a generated document walked by
//! its keys).

use proptest::prelude::*;
use restclient::Request;
use restclient::Response;
use restclient::config::RuntimeConfig;
use restclient::detect;
use restclient::paginators::{HeaderLinkPaginator, JsonLinkPaginator, Paginator};
use restclient::selector::Selector;
use restclient::spec::paginator as paginator_from_spec;
use restclient::{Method, Value};

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        ".{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_@.-]{0,6}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Bodies shaped like API envelopes: pagination keys with link-, cursor- and number-like values.
fn api_body() -> impl Strategy<Value = Value> {
    let keys = prop::sample::select(vec![
        "next",
        "next_cursor",
        "nextPageToken",
        "@odata.nextLink",
        "page",
        "current_page",
        "total_pages",
        "totalPages",
        "last_page",
        "offset",
        "limit",
        "total",
        "startAt",
        "maxResults",
        "has_more",
        "hasMore",
        "cursor",
        "links",
        "_links",
        "paging",
        "meta",
        "pagination",
        "data",
        "items",
        "results",
        "value",
        "object",
        "number",
    ]);
    let value = prop_oneof![
        json_value(),
        "(https?://h\\.example)?/[a-z]{0,5}(\\?page=[0-9])?".prop_map(Value::from),
        "[A-Za-z0-9]{0,10}".prop_map(Value::from),
        (-3i64..50).prop_map(Value::from),
    ];
    let leaf = prop::collection::btree_map(keys.clone(), value.clone(), 0..7);
    (
        leaf,
        prop::collection::btree_map(
            keys,
            prop::collection::btree_map("[a-z_]{1,6}", value, 0..4),
            0..3,
        ),
    )
        .prop_map(|(a, b)| {
            let mut map: serde_json::Map<String, Value> =
                a.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
            for (k, inner) in b {
                map.insert(k.to_owned(), Value::Object(inner.into_iter().collect()));
            }
            Value::Object(map)
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn selectors_never_panic(path in ".{0,40}", body in json_value()) {
        if let Ok(s) = Selector::new(&path) {
            let _ = s.first(&body);
            let _ = s.matches(&body);
            let _ = s.records(&body);
        }
    }

    #[test]
    fn path_like_selectors_never_panic(path in "[a-z$.*?@()'\"=<>0-9 \\[\\]-]{0,30}", body in json_value()) {
        if let Ok(s) = Selector::new(&path) {
            let _ = s.records(&body);
            let _ = s.first(&body);
        }
    }

    #[test]
    fn dotted_selectors_find_what_they_name(keys in prop::collection::vec("[a-zA-Z_][a-zA-Z0-9_-]{0,8}", 1..5), leaf in json_value()) {
        let mut body = leaf.clone();
        for k in keys.iter().rev() {
            body = serde_json::json!({ k.clone(): body });
        }
        let s = Selector::new(&keys.join(".")).unwrap();
        prop_assert_eq!(s.first(&body), Some(&leaf));
        let expected: Vec<Value> = match leaf {
            Value::Null => vec![],
            Value::Array(items) => items,
            other => vec![other],
        };
        prop_assert_eq!(s.records(&body), expected);
    }

    #[test]
    fn link_headers_never_panic(header in ".{0,80}", rel in "[a-zA-Z]{1,8}") {
        if let Ok(response) = Response::from_parts(200, vec![("Link", header.as_str())], "https://h.example/p?x=1", b"[]".to_vec()) {
            let mut p = HeaderLinkPaginator::new().links_next_key(rel);
            let mut req = Request::new(Method::GET, "https://h.example/p".parse().unwrap());
            if p.update_state(&response, Some(&[])).is_ok() {
                p.update_request(&mut req).unwrap();
            }
        }
    }

    #[test]
    fn bodies_never_panic(body in prop::collection::vec(any::<u8>(), 0..200), next in json_value()) {
        let response = Response::from_parts(200, vec![], "https://h.example/", body).unwrap();
        let _ = response.json();
        let doc = serde_json::json!({"next": next});
        let response = Response::from_parts(200, vec![], "https://h.example/a/b", doc.to_string().into_bytes()).unwrap();
        let mut p = JsonLinkPaginator::new();
        let mut req = Request::new(Method::GET, "https://h.example/a/b".parse().unwrap());
        if p.update_state(&response, None).is_ok() {
            let _ = p.update_request(&mut req);
        }
    }

    #[test]
    fn paginator_configs_never_panic(config in json_value(), kind in prop::sample::select(vec!["offset", "page_number", "cursor", "json_link", "header_link", "header_cursor", "single_page", "auto", "x"])) {
        let _ = paginator_from_spec(&config);
        if let Value::Object(mut map) = config {
            map.insert("type".into(), Value::from(kind));
            let _ = paginator_from_spec(&Value::Object(map));
        }
    }

    #[test]
    fn request_debug_hides_secret_params(secret in "[A-Z]{10,16}", name in prop::sample::select(vec!["api_key", "token", "access_token", "client_secret", "password", "X-Api-Key"])) {
        let mut req = Request::new(Method::GET, "https://h.example/p".parse().unwrap());
        req.set_param(name, &secret);
        req.set_param("page", 2);
        let debug = format!("{req:?}");
        prop_assert!(!debug.contains(&secret), "{}", debug);
    }

    #[test]
    fn detection_never_panics_and_its_descriptions_round_trip(body in prop_oneof![json_value(), api_body()], link in prop_oneof![".{0,40}", "<(https?://h\\.example)?/[a-z?=0-9]{0,8}>; rel=\"(next|prev|NEXT)\""]) {
        let headers = vec![("Link", link.as_str())];
        let response = Response::from_parts(200, headers, "https://h.example/items?page=1", body.to_string().into_bytes())
            .or_else(|_| Response::from_parts(200, vec![], "https://h.example/items?page=1", body.to_string().into_bytes()))
            .unwrap();
        let selector = detect::records(&body);
        let _ = selector.records(&body);
        if let Some(found) = detect::paginator(&response) {
            let description = found.paginator.describe();
            let rebuilt = paginator_from_spec(&description);
            prop_assert!(rebuilt.is_ok(), "{} does not round-trip: {:?}", description, rebuilt.err());
        }
    }

    #[test]
    fn config_parsing_never_panics(toml_text in "(\\[runtime\\]\n)?([a-z_]{1,30} = (-?[0-9.]{1,8}|\"[a-z]{0,6}\"|true|\\[\\]|\\{\\})\n){0,4}", key in "RUNTIME__[A-Z_]{1,30}", value in ".{0,12}") {
        let mut config = RuntimeConfig::default();
        let _ = config.merge_toml(&toml_text, "prop.toml");
        let mut config = RuntimeConfig::default();
        let _ = config.merge_env([(key, value)]);
    }

    #[test]
    fn arbitrary_config_text_never_panics(text in ".{0,120}") {
        let mut config = RuntimeConfig::default();
        let _ = config.merge_toml(&text, "prop.toml");
    }

    #[test]
    fn the_header_link_paginator_follows_the_next_link_of_a_generated_header(
        others in prop::collection::vec((1u32..50, prop::sample::select(vec!["prev", "first", "last"]), any::<bool>()), 0..4),
        next in proptest::option::of(1u32..50),
        at in any::<prop::sample::Index>(),
        spaces in prop::sample::select(vec![",", ", ", " ,  "]),
    ) {
        // The oracle: the header is written from the generated links, so the next link is known.
        let link = |page: u32, rel: &str, extra: bool| {
            let title = if extra { "; title=\"p\"" } else { "" };
            format!("<https://h.example/items?page={page}>; rel=\"{rel}\"{title}")
        };
        let mut links: Vec<String> = others.iter().map(|(p, rel, extra)| link(*p, rel, *extra)).collect();
        if let Some(page) = next {
            links.insert(at.index(links.len() + 1), link(page, "next", false));
        }
        let header = links.join(spaces);
        let headers = if header.is_empty() { vec![] } else { vec![("Link", header.as_str())] };
        let response = Response::from_parts(200, headers, "https://h.example/items?page=1", b"[{\"id\": 1}]".to_vec()).unwrap();
        let mut p = HeaderLinkPaginator::new();
        let record = serde_json::json!({"id": 1});
        p.update_state(&response, Some(std::slice::from_ref(&record))).unwrap();
        prop_assert_eq!(p.has_next_page(), next.is_some(), "{}", header);
        if let Some(page) = next {
            let mut req = Request::new(Method::GET, "https://h.example/items?page=1".parse().unwrap());
            p.update_request(&mut req).unwrap();
            prop_assert_eq!(req.full_url().to_string(), format!("https://h.example/items?page={page}"), "{}", header);
        }
    }

    #[test]
    fn selectors_agree_with_walking_the_document_by_its_keys(
        keys in prop::collection::vec(prop::sample::select(vec!["a", "b", "c", "d_1"]), 1..4),
        body in json_value(),
        leaf in json_value(),
        plant in any::<bool>(),
    ) {
        let mut body = body;
        if plant {
            plant_at(&mut body, &keys, leaf);
        }
        // The oracle: follow the keys through objects; anything else means no match.
        let expected = keys.iter().try_fold(&body, |v, k| v.as_object()?.get(*k));
        for path in [keys.join("."), format!("$.{}", keys.join(".")), format!("$['{}']", keys.join("']['"))] {
            let s = Selector::new(&path).unwrap();
            prop_assert_eq!(s.first(&body), expected, "{}", path);
            prop_assert_eq!(s.matches(&body), expected.into_iter().collect::<Vec<_>>(), "{}", path);
        }
    }
}

/// `/a/b/c` for `[a, b, c]`, the empty string for none.
/// Puts `leaf` at `keys` in `body`, turning whatever stands in the way into objects.
fn plant_at(body: &mut Value, keys: &[&str], leaf: Value) {
    let Some((first, rest)) = keys.split_first() else {
        *body = leaf;
        return;
    };
    if !body.is_object() {
        *body = Value::Object(serde_json::Map::new());
    }
    let slot = body
        .as_object_mut()
        .unwrap()
        .entry((*first).to_owned())
        .or_insert(Value::Null);
    plant_at(slot, rest, leaf);
}
