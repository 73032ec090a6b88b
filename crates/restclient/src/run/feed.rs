//! How a parent's records reach its children: only once they are durable, in order, without
//! the parent holding them.
//!
//! With an output directory, a parent's records are in its output file (the staged data, or a
//! spool when it is not written); the parent [`publish`](Publisher::publish)es the file's
//! length each time its checkpoint is saved, and each child reads the file up to that length
//! ([`Feed::File`]): a child never walks for a record the parent's checkpoint does not count,
//! and a resumed child starts reading at the offset its own checkpoint saved. Without a
//! directory ([`Run::records`](super::Run::records)) the lines go through a bounded channel per
//! child ([`Feed::Channel`]), so a slow child slows its parent instead of filling memory.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Seek, SeekFrom};
use std::path::PathBuf;
use std::sync::Arc;

use serde_json::Value;
use serde_json::value::RawValue;
use tokio::sync::{mpsc, watch};

use crate::error::{Error, ErrorKind};

/// How far a parent's durable output goes, and whether it has ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Published {
    pub(crate) len: u64,
    pub(crate) end: End,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum End {
    Running,
    /// Every record is out.
    Done,
    /// The parent stopped early (failed, interrupted, or its own parent did).
    Stopped,
}

/// A message to a child in channel mode.
#[derive(Debug)]
pub(crate) enum Msg {
    Lines(Arc<Vec<String>>),
    End(End),
}

/// A parent's side of its children's feeds.
#[derive(Debug)]
pub(crate) enum Publisher {
    File(watch::Sender<Published>),
    Channel(Vec<mpsc::Sender<Msg>>),
}

impl Publisher {
    /// A publisher for a parent whose output file children read (`start`: what a resumed
    /// parent's checkpoint already counts), and the feeds of `children` children.
    pub(crate) fn file(path: PathBuf, start: Published, children: usize) -> (Publisher, Vec<Feed>) {
        let (tx, rx) = watch::channel(start);
        let feeds = (0..children)
            .map(|_| Feed::File {
                path: path.clone(),
                reader: None,
                offset: 0,
                index: 0,
                progress: rx.clone(),
            })
            .collect();
        (Publisher::File(tx), feeds)
    }

    /// A publisher that hands lines to `children` children through bounded channels.
    pub(crate) fn channel(children: usize) -> (Publisher, Vec<Feed>) {
        let (txs, feeds) = (0..children)
            .map(|_| {
                // Two pages ahead at most: the parent waits for the slowest child.
                let (tx, rx) = mpsc::channel(2);
                (
                    tx,
                    Feed::Channel {
                        rx,
                        lines: VecDeque::new(),
                        index: 0,
                        end: None,
                    },
                )
            })
            .unzip();
        (Publisher::Channel(txs), feeds)
    }

    /// The output grew to `len` (its checkpoint saved), with `lines` new (channel mode).
    pub(crate) async fn publish(&mut self, len: u64, lines: Vec<String>) {
        match self {
            Publisher::File(tx) => {
                tx.send_modify(|p| p.len = len);
            }
            Publisher::Channel(txs) => {
                if lines.is_empty() {
                    return;
                }
                let lines = Arc::new(lines);
                // A child that ended (failed) dropped its receiver: it needs nothing more.
                let mut open = Vec::with_capacity(txs.len());
                for tx in txs.drain(..) {
                    if tx.send(Msg::Lines(Arc::clone(&lines))).await.is_ok() {
                        open.push(tx);
                    }
                }
                *txs = open;
            }
        }
    }

    /// The parent ended (`Done`) or stopped early.
    pub(crate) async fn end(&mut self, len: u64, end: End) {
        match self {
            Publisher::File(tx) => {
                tx.send_modify(|p| {
                    p.len = len;
                    p.end = end;
                });
            }
            Publisher::Channel(txs) => {
                for tx in txs.drain(..) {
                    let _ = tx.send(Msg::End(end)).await;
                }
            }
        }
    }
}

/// One parent record as a child sees it.
#[derive(Debug)]
pub(crate) struct ParentLine {
    /// Its place among the parent's records (0-based).
    pub(crate) index: u64,
    /// Where the next record starts in the parent's output (file mode).
    pub(crate) next_offset: u64,
    /// The record's text, as the parent wrote it.
    pub(crate) text: String,
    pub(crate) value: Value,
}

impl ParentLine {
    fn parse(index: u64, next_offset: u64, text: String) -> Result<ParentLine, Error> {
        let value = serde_json::from_str(&text).map_err(|e| {
            Error::new(
                ErrorKind::Decode,
                format!("record {index} of the parent's output is not JSON ({e})"),
            )
        })?;
        Ok(ParentLine {
            index,
            next_offset,
            text,
            value,
        })
    }

    /// The raw JSON text of a top-level field, as the API sent it.
    pub(crate) fn raw(&self, field: &str) -> Option<&RawValue> {
        raw_member(&self.text, field)
    }

    /// A field's value for a child's request (a top-level key, else a JSONPath's first match).
    /// A number whose text a `Value` would change (an integer beyond 64 bits, `1.50`) is its
    /// exact text, as a string.
    pub(crate) fn field(&self, field: &str) -> Option<Value> {
        if let Some(v) = self.value.get(field) {
            if v.is_number()
                && let Some(raw) = self.raw(field)
                && *raw.get() != *v.to_string()
            {
                return Some(Value::String(raw.get().to_owned()));
            }
            return Some(v.clone());
        }
        crate::selector::Selector::new(field)
            .ok()?
            .first(&self.value)
            .cloned()
    }
}

/// The raw text of the member `key` of the JSON object `text` (the last one, as a parser keeps).
fn raw_member<'t>(text: &'t str, key: &str) -> Option<&'t RawValue> {
    let members: Vec<(std::borrow::Cow<'t, str>, &'t RawValue)> =
        serde_json::from_str::<RawMembers<'t>>(text).ok()?.0;
    members
        .into_iter()
        .rev()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v)
}

/// An object's members in order, values as raw text.
struct RawMembers<'t>(Vec<(std::borrow::Cow<'t, str>, &'t RawValue)>);

impl<'de> serde::Deserialize<'de> for RawMembers<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = RawMembers<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut m: A,
            ) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(k) = m.next_key::<std::borrow::Cow<'de, str>>()? {
                    out.push((k, m.next_value::<&'de RawValue>()?));
                }
                Ok(RawMembers(out))
            }
        }
        d.deserialize_map(V)
    }
}

/// What a child gets next from its parent.
#[derive(Debug)]
pub(crate) enum Item {
    Record(ParentLine),
    /// Every parent record was handed out.
    Done,
    /// The parent stopped before its end.
    Stopped,
}

/// A child's side: the parent's records, in order.
#[derive(Debug)]
pub(crate) enum Feed {
    File {
        path: PathBuf,
        reader: Option<BufReader<std::fs::File>>,
        offset: u64,
        index: u64,
        progress: watch::Receiver<Published>,
    },
    Channel {
        rx: mpsc::Receiver<Msg>,
        lines: VecDeque<String>,
        index: u64,
        end: Option<End>,
    },
}

impl Feed {
    /// Starts after the first `index` records, at `offset` in the parent's output (a resumed
    /// child; channel feeds always start at the beginning).
    pub(crate) fn skip_to(&mut self, at_index: u64, at_offset: u64) {
        if let Feed::File { offset, index, .. } = self {
            *offset = at_offset;
            *index = at_index;
        }
    }

    /// The next parent record, waiting for the parent when it has none durable yet.
    ///
    /// # Errors
    /// The parent's output cannot be read, or a line of it is not JSON.
    pub(crate) async fn next(&mut self) -> Result<Item, Error> {
        match self {
            Feed::File {
                path,
                reader,
                offset,
                index,
                progress,
            } => loop {
                let now = *progress.borrow_and_update();
                if *offset < now.len {
                    let line = read_line(path, reader, *offset, now.len)?;
                    *offset += line.len() as u64;
                    let text = line.trim_end_matches('\n').to_owned();
                    let item = ParentLine::parse(*index, *offset, text)?;
                    *index += 1;
                    return Ok(Item::Record(item));
                }
                match now.end {
                    End::Done => return Ok(Item::Done),
                    End::Stopped => return Ok(Item::Stopped),
                    End::Running => {}
                }
                if progress.changed().await.is_err() {
                    // The parent is gone without saying it ended.
                    return Ok(Item::Stopped);
                }
            },
            Feed::Channel {
                rx,
                lines,
                index,
                end,
            } => loop {
                if let Some(text) = lines.pop_front() {
                    let item = ParentLine::parse(*index, 0, text)?;
                    *index += 1;
                    return Ok(Item::Record(item));
                }
                match end {
                    Some(End::Done) => return Ok(Item::Done),
                    Some(_) => return Ok(Item::Stopped),
                    None => {}
                }
                match rx.recv().await {
                    Some(Msg::Lines(l)) => lines.extend(l.iter().cloned()),
                    Some(Msg::End(e)) => *end = Some(e),
                    None => *end = Some(End::Stopped),
                }
            },
        }
    }
}

/// One line of the parent's output at `offset` (which is below `limit`, and a line start).
fn read_line(
    path: &std::path::Path,
    reader: &mut Option<BufReader<std::fs::File>>,
    offset: u64,
    limit: u64,
) -> Result<String, Error> {
    let cannot = |e: std::io::Error| {
        Error::new(
            ErrorKind::Other,
            format!(
                "cannot read the parent's records from {}: {e}",
                path.display()
            ),
        )
        .with_source(e)
    };
    let r = match reader {
        Some(r) => r,
        None => {
            let mut file = std::fs::File::open(path).map_err(cannot)?;
            file.seek(SeekFrom::Start(offset)).map_err(cannot)?;
            reader.insert(BufReader::new(file))
        }
    };
    let mut line = String::new();
    r.read_line(&mut line).map_err(cannot)?;
    if !line.ends_with('\n') || offset + line.len() as u64 > limit {
        return Err(cannot(std::io::Error::other(format!(
            "no whole line at byte {offset} (the file is shorter than its checkpoint says)"
        ))));
    }
    Ok(line)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn fields_keep_the_exact_text_of_numbers_a_value_would_change() {
        let line = ParentLine::parse(
            0,
            0,
            r#"{"id":12345678901234567890123,"n":7,"p":1.50,"s":"x","o":{"a":1}}"#.into(),
        )
        .unwrap();
        assert_eq!(
            line.field("id"),
            Some(Value::from("12345678901234567890123"))
        );
        assert_eq!(line.field("n"), Some(Value::from(7)));
        assert_eq!(line.field("p"), Some(Value::from("1.50")));
        assert_eq!(line.field("o.a"), Some(Value::from(1)));
        assert_eq!(line.raw("id").unwrap().get(), "12345678901234567890123");
        assert!(line.raw("nope").is_none());
    }

    #[tokio::test]
    async fn a_file_feed_reads_only_what_was_published() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("parent.ndjson");
        std::fs::write(&path, "{\"id\":1}\n{\"id\":2}\n{\"id\":3}\n").unwrap();
        let start = Published {
            len: 9,
            end: End::Running,
        };
        let (mut publisher, mut feeds) = Publisher::file(path, start, 1);
        let mut feed = feeds.pop().unwrap();
        let Item::Record(first) = feed.next().await.unwrap() else {
            panic!()
        };
        assert_eq!((first.index, first.next_offset), (0, 9));
        publisher.end(27, End::Done).await;
        let mut ids = Vec::new();
        while let Item::Record(r) = feed.next().await.unwrap() {
            ids.push(r.value["id"].as_u64().unwrap());
        }
        assert_eq!(ids, [2, 3]);
    }
}
