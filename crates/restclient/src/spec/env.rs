//! [`EnvExpander`]: `${NAME}` placeholders read from the environment.

use std::collections::BTreeSet;
use std::ffi::OsString;

use serde_json::Value;

use super::{SpecError, join};

/// The keys whose values are credentials: an empty variable there is an error, not an empty
/// credential sent to the API.
pub const CREDENTIAL_KEYS: &[&str] = &["token", "api_key", "password", "client_secret"];

/// Reads one variable: `None` when it is not set.
type Lookup<'e> = dyn Fn(&str) -> Option<OsString> + 'e;

/// Replaces `${NAME}` with the environment variable `NAME`, and remembers every value it put in
/// (they are secrets: the caller masks them and keeps them on their origin).
///
/// The environment is a closure, so that tests and embedders need not touch the process's.
///
/// ```
/// use restclient::spec::EnvExpander;
/// let mut env = EnvExpander::new(|name: &str| (name == "TOKEN").then(|| "t0k3n".into()));
/// assert_eq!(env.expand("Bearer ${TOKEN}", false)?, "Bearer t0k3n");
/// assert_eq!(env.expand("${NOPE}", false).unwrap_err().to_string(),
///            "environment variable `NOPE` is not set");
/// assert!(env.secrets().contains("t0k3n"));
/// assert!(!format!("{env:?}").contains("t0k3n"));
/// # Ok::<(), restclient::spec::SpecError>(())
/// ```
pub struct EnvExpander<'e> {
    lookup: Box<Lookup<'e>>,
    secrets: BTreeSet<String>,
}

impl std::fmt::Debug for EnvExpander<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EnvExpander")
            .field("expanded_values", &self.secrets.len())
            .finish_non_exhaustive()
    }
}

impl EnvExpander<'static> {
    /// Reads the process environment.
    #[must_use]
    pub fn from_process() -> Self {
        EnvExpander::new(|name: &str| std::env::var_os(name))
    }
}

impl<'e> EnvExpander<'e> {
    /// Reads variables through `lookup` (`None` = not set).
    pub fn new(lookup: impl Fn(&str) -> Option<OsString> + 'e) -> Self {
        EnvExpander {
            lookup: Box::new(lookup),
            secrets: BTreeSet::new(),
        }
    }

    /// Expands every `${NAME}` in `text`. With `credential`, a variable that is set but empty
    /// is an error (an empty credential is never what the user meant).
    ///
    /// # Errors
    /// A [`SpecError`] (empty path) naming the variable that is not set, empty (for a
    /// credential) or not valid UTF-8, or saying that a `${` is not closed. The text itself is
    /// never part of the message.
    pub fn expand(&mut self, text: &str, credential: bool) -> Result<String, SpecError> {
        self.expand_text(text, credential, false)
    }

    /// As [`expand`](Self::expand); with `literal`, braces in the values are doubled (`{{`,
    /// `}}`), so that a string later read as a run's template (`{resources.x.id}`) takes a
    /// value as data, never as a placeholder.
    fn expand_text(
        &mut self,
        text: &str,
        credential: bool,
        literal: bool,
    ) -> Result<String, SpecError> {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let end = after
                .find('}')
                .ok_or_else(|| SpecError::new("", "unclosed `${` (write `${NAME}`)"))?;
            let name = &after[..end];
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(SpecError::new(
                    "",
                    "a `${...}` placeholder needs a variable name of letters, digits and `_`",
                ));
            }
            let value = (self.lookup)(name).ok_or_else(|| {
                SpecError::new("", format!("environment variable `{name}` is not set"))
            })?;
            let value = value.into_string().map_err(|_| {
                SpecError::new(
                    "",
                    format!("environment variable `{name}` is not valid UTF-8"),
                )
            })?;
            if value.is_empty() {
                if credential {
                    return Err(SpecError::new(
                        "",
                        format!("environment variable `{name}` is empty"),
                    ));
                }
            } else {
                self.secrets.insert(value.clone());
            }
            if literal {
                out.push_str(&value.replace('{', "{{").replace('}', "}}"));
            } else {
                out.push_str(&value);
            }
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }

    /// Expands every string in `value` (not the keys); strings under a key listed in
    /// `credential_keys` refuse empty variables. Errors carry the key path.
    ///
    /// # Errors
    /// As [`expand`](Self::expand), with the key path of the string.
    pub fn expand_value(
        &mut self,
        value: &mut Value,
        credential_keys: &[&str],
    ) -> Result<(), SpecError> {
        self.expand_at(value, "", false, credential_keys, false)
    }

    /// As [`expand_value`](Self::expand_value), for a value whose strings are templates (a
    /// run's path, params, body, headers): braces in the values are doubled, so that a value
    /// is data, never a placeholder.
    #[cfg(feature = "run")]
    pub(crate) fn expand_template(&mut self, value: &mut Value) -> Result<(), SpecError> {
        self.expand_at(value, "", false, CREDENTIAL_KEYS, true)
    }

    fn expand_at(
        &mut self,
        value: &mut Value,
        path: &str,
        credential: bool,
        credential_keys: &[&str],
        literal: bool,
    ) -> Result<(), SpecError> {
        match value {
            Value::String(s) => {
                *s = self
                    .expand_text(s, credential, literal)
                    .map_err(|e| e.within(path))?;
            }
            Value::Array(items) => {
                for (i, item) in items.iter_mut().enumerate() {
                    let at = join(path, &format!("[{i}]"));
                    self.expand_at(item, &at, false, credential_keys, literal)?;
                }
            }
            Value::Object(map) => {
                for (k, v) in map.iter_mut() {
                    let credential = credential_keys.contains(&k.as_str());
                    self.expand_at(v, &join(path, k), credential, credential_keys, literal)?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Every non-empty value expanded so far.
    #[must_use]
    pub fn secrets(&self) -> &BTreeSet<String> {
        &self.secrets
    }

    /// Every non-empty value expanded, taken out.
    #[must_use]
    pub fn into_secrets(self) -> BTreeSet<String> {
        self.secrets
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::collections::HashMap;

    fn env(vars: &[(&str, &str)]) -> HashMap<String, OsString> {
        vars.iter()
            .map(|(k, v)| ((*k).to_owned(), OsString::from(*v)))
            .collect()
    }

    #[test]
    fn expands_and_reports_by_name() {
        let vars = env(&[("A", "alpha"), ("EMPTY", "")]);
        let mut x = EnvExpander::new(|n: &str| vars.get(n).cloned());
        assert_eq!(x.expand("x-${A}-${A}-y", false).unwrap(), "x-alpha-alpha-y");
        assert_eq!(x.expand("plain $A {A} $", false).unwrap(), "plain $A {A} $");
        assert_eq!(x.expand("[${EMPTY}]", false).unwrap(), "[]");
        let cases = [
            (
                "${MISSING}",
                false,
                "environment variable `MISSING` is not set",
            ),
            ("${EMPTY}", true, "environment variable `EMPTY` is empty"),
            ("s3cr3t ${A", false, "unclosed `${` (write `${NAME}`)"),
            ("${}", false, "a `${...}` placeholder needs a variable name"),
            (
                "${s3cr3t value}",
                false,
                "a `${...}` placeholder needs a variable name",
            ),
        ];
        for (text, credential, want) in cases {
            let e = x.expand(text, credential).unwrap_err().to_string();
            assert!(e.starts_with(want), "{text}: {e}");
            assert!(!e.contains("s3cr3t"), "{e}");
        }
        assert_eq!(x.into_secrets().into_iter().collect::<Vec<_>>(), ["alpha"]);
    }

    #[cfg(unix)]
    #[test]
    fn non_utf8_is_not_reported_as_unset() {
        use std::os::unix::ffi::OsStringExt;
        let mut x = EnvExpander::new(|_: &str| Some(OsString::from_vec(vec![0xff, 0xfe])));
        let e = x.expand("${BIN}", false).unwrap_err().to_string();
        assert_eq!(e, "environment variable `BIN` is not valid UTF-8");
    }

    #[test]
    fn values_carry_the_key_path_and_credentials_refuse_empty() {
        let vars = env(&[("T", "tok"), ("E", "")]);
        let mut x = EnvExpander::new(|n: &str| vars.get(n).cloned());
        let mut v = json!({"type": "bearer", "token": "${T}", "list": ["${T}"]});
        x.expand_value(&mut v, CREDENTIAL_KEYS).unwrap();
        assert_eq!(
            v,
            json!({"type": "bearer", "token": "tok", "list": ["tok"]})
        );

        let mut v = json!({"type": "bearer", "token": "${E}"});
        let e = x.expand_value(&mut v, CREDENTIAL_KEYS).unwrap_err();
        assert_eq!(e.to_string(), "token: environment variable `E` is empty");
        let mut v = json!({"data": {"scope": ["a", "${NOPE}"]}});
        let e = x.expand_value(&mut v, CREDENTIAL_KEYS).unwrap_err();
        assert_eq!(
            e.to_string(),
            "data.scope[1]: environment variable `NOPE` is not set"
        );
        // Not a credential: an empty value is fine.
        let mut v = json!({"name": "${E}"});
        x.expand_value(&mut v, CREDENTIAL_KEYS).unwrap();
    }
}
