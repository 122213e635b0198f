//! Route tables: `METHOD /path/{param}` keys, matched against a request's method and path.

use std::collections::HashMap;

/// One route, spelled like an API Gateway route key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    pub method: &'static str,
    pub path: &'static str,
    /// `"GET /guidelines/{id}"`.
    pub key: &'static str,
    /// Authenticated by a request signature (a webhook), not by API Gateway's JWT authorizer.
    pub signed: bool,
    /// Largest body accepted.
    pub max_body: usize,
}

impl Route {
    /// A route from its key, e.g. `Route::new("GET /guidelines/{id}")`.
    ///
    /// # Panics
    /// At compile time (const context) if the key has no space between method and path.
    pub const fn new(key: &'static str) -> Route {
        let bytes = key.as_bytes();
        let mut split = 0;
        while split < bytes.len() && bytes[split] != b' ' {
            split += 1;
        }
        assert!(split < bytes.len(), "a route key is 'METHOD /path'");
        let (method, rest) = key.split_at(split);
        let (_, path) = rest.split_at(1);
        Route {
            method,
            path,
            key,
            signed: false,
            max_body: crate::request::MAX_BODY_BYTES,
        }
    }

    /// A route authenticated by a request signature instead of a token (a webhook), taking
    /// bodies up to `max_body` bytes.
    pub const fn signed(key: &'static str, max_body: usize) -> Route {
        let route = Route::new(key);
        Route {
            signed: true,
            max_body,
            ..route
        }
    }
}

/// The outcome of matching a request against a route table.
#[derive(Debug, PartialEq, Eq)]
pub enum RouteMatch {
    Found {
        route: Route,
        params: HashMap<String, String>,
    },
    MethodNotAllowed {
        allowed: Vec<&'static str>,
        /// Literal segments of the routes that matched the path.
        specificity: usize,
    },
    NotFound,
}

fn match_path(pattern: &str, path: &str) -> Option<HashMap<String, String>> {
    let mut params = HashMap::new();
    let mut pattern_parts = pattern.trim_matches('/').split('/');
    let mut path_parts = path
        .trim_end_matches('/')
        .trim_start_matches('/')
        .split('/');
    loop {
        match (pattern_parts.next(), path_parts.next()) {
            (None, None) => return Some(params),
            (Some(expected), Some(actual)) => {
                if let Some(name) = expected.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
                    if actual.is_empty() {
                        return None;
                    }
                    params.insert(name.to_string(), actual.to_string());
                } else if expected != actual {
                    return None;
                }
            }
            _ => return None,
        }
    }
}

/// How specific a route's path is: its literal (non-parameter) segments.
pub fn specificity(route: &Route) -> usize {
    route
        .path
        .trim_matches('/')
        .split('/')
        .filter(|part| !part.starts_with('{'))
        .count()
}

/// Find the route for `method` and `path`; a path known under other methods is a 405, whose
/// allowed methods are those of the most specific routes matching the path (as API Gateway
/// picks the most specific route: `/qa/query` is not `/qa/{id}` for the `Allow` header).
pub fn match_route(routes: &[Route], method: &str, path: &str) -> RouteMatch {
    let mut allowed: Vec<(usize, &'static str)> = Vec::new();
    for route in routes {
        if let Some(params) = match_path(route.path, path) {
            if route.method.eq_ignore_ascii_case(method) {
                return RouteMatch::Found {
                    route: *route,
                    params,
                };
            }
            allowed.push((specificity(route), route.method));
        }
    }
    most_specific(allowed)
}

/// A 405 with the methods of the most specific matches, or a 404 when there are none.
pub fn most_specific(allowed: Vec<(usize, &'static str)>) -> RouteMatch {
    let Some(best) = allowed.iter().map(|(s, _)| *s).max() else {
        return RouteMatch::NotFound;
    };
    let mut methods: Vec<&'static str> = allowed
        .into_iter()
        .filter(|(s, _)| *s == best)
        .map(|(_, m)| m)
        .collect();
    methods.dedup();
    RouteMatch::MethodNotAllowed {
        allowed: methods,
        specificity: best,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROUTES: &[Route] = &[
        Route::new("GET /curriculum"),
        Route::new("GET /guidelines/{id}"),
        Route::new("POST /sessions/{id}/step"),
    ];

    #[test]
    fn paths_match_with_parameters_and_a_trailing_slash() {
        let RouteMatch::Found { route, params } = match_route(ROUTES, "GET", "/guidelines/g-1/")
        else {
            panic!("no match");
        };
        assert_eq!(route.key, "GET /guidelines/{id}");
        assert_eq!(params["id"], "g-1");
        assert!(matches!(
            match_route(ROUTES, "POST", "/sessions/s1/step"),
            RouteMatch::Found { .. }
        ));
    }

    #[test]
    fn the_allow_header_names_the_most_specific_routes_only() {
        const QA: &[Route] = &[
            Route::new("POST /qa/query"),
            Route::new("GET /qa/{id}"),
            Route::new("POST /qa/{id}/escalate"),
        ];
        assert_eq!(
            match_route(QA, "OPTIONS", "/qa/query"),
            RouteMatch::MethodNotAllowed {
                allowed: vec!["POST"],
                specificity: 2
            }
        );
        // A GET still reaches the parameter route, as in API Gateway.
        assert!(matches!(
            match_route(QA, "GET", "/qa/query"),
            RouteMatch::Found { route, .. } if route.key == "GET /qa/{id}"
        ));
    }

    #[test]
    fn unknown_paths_are_not_found_and_known_paths_with_other_methods_are_not_allowed() {
        assert_eq!(
            match_route(ROUTES, "GET", "/guidelines"),
            RouteMatch::NotFound
        );
        assert_eq!(
            match_route(ROUTES, "GET", "/guidelines/a/b"),
            RouteMatch::NotFound
        );
        assert_eq!(
            match_route(ROUTES, "GET", "/guidelines//"),
            RouteMatch::NotFound
        );
        assert_eq!(
            match_route(ROUTES, "DELETE", "/curriculum"),
            RouteMatch::MethodNotAllowed {
                allowed: vec!["GET"],
                specificity: 1
            }
        );
    }
}
