//! [`StopReason`]: why a walk ended.

/// Why a walk ended.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StopReason {
    /// The response had no next link.
    NoNextLink,
    /// The response had no cursor (or an empty one).
    NoCursor,
    /// A page came back empty.
    EmptyPage,
    /// The offset or page reached the total the API reported.
    TotalReached {
        /// The total as reported (items for offsets, pages for page numbers).
        total: i64,
    },
    /// The response said there is nothing more (`has_more_path` was false).
    HasMoreFalse,
    /// The response said its stream ended (`end_of_stream_path` was true).
    EndOfStream,
    /// The response's cursor is the one the request sent: the documented end of Solr's
    /// `cursorMark` and Elasticsearch's scroll, where the last page hands back its own cursor.
    CursorRepeated,
    /// The offset or page reached `maximum_offset` / `maximum_page`.
    MaximumReached {
        /// The maximum.
        maximum: i64,
    },
    /// The paginator fetches one page only.
    SinglePage,
    /// `max_pages` pages were fetched.
    MaxPages(usize),
    /// `max_records` records were delivered.
    MaxRecords(usize),
    /// A response hook ended the walk.
    IgnoredByHook,
    /// A custom paginator's `has_next_page` became false.
    PaginatorDone,
}

impl std::fmt::Display for StopReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StopReason::NoNextLink => f.write_str("no next link"),
            StopReason::NoCursor => f.write_str("no next cursor"),
            StopReason::EmptyPage => f.write_str("empty page"),
            StopReason::TotalReached { total } => write!(f, "total reached ({total})"),
            StopReason::HasMoreFalse => f.write_str("has_more is false"),
            StopReason::EndOfStream => f.write_str("end of stream"),
            StopReason::CursorRepeated => f.write_str("the cursor sent came back"),
            StopReason::MaximumReached { maximum } => write!(f, "maximum reached ({maximum})"),
            StopReason::SinglePage => f.write_str("single page"),
            StopReason::MaxPages(n) => write!(f, "max_pages limit ({n})"),
            StopReason::MaxRecords(n) => write!(f, "max_records limit ({n})"),
            StopReason::IgnoredByHook => f.write_str("ignored by a response hook"),
            StopReason::PaginatorDone => f.write_str("paginator has no next page"),
        }
    }
}

/// A [`StopReason`] as it is saved in a checkpoint (the public enum has no serde form, so
/// that its representation is not a promise; this one is versioned with the checkpoint file).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub(crate) enum SavedStop {
    NoNextLink,
    NoCursor,
    EmptyPage,
    TotalReached { total: i64 },
    HasMoreFalse,
    EndOfStream,
    CursorRepeated,
    MaximumReached { maximum: i64 },
    SinglePage,
    MaxPages { n: usize },
    MaxRecords { n: usize },
    IgnoredByHook,
    PaginatorDone,
}

impl From<&StopReason> for SavedStop {
    fn from(r: &StopReason) -> Self {
        match r {
            StopReason::NoNextLink => SavedStop::NoNextLink,
            StopReason::NoCursor => SavedStop::NoCursor,
            StopReason::EmptyPage => SavedStop::EmptyPage,
            StopReason::TotalReached { total } => SavedStop::TotalReached { total: *total },
            StopReason::HasMoreFalse => SavedStop::HasMoreFalse,
            StopReason::EndOfStream => SavedStop::EndOfStream,
            StopReason::CursorRepeated => SavedStop::CursorRepeated,
            StopReason::MaximumReached { maximum } => {
                SavedStop::MaximumReached { maximum: *maximum }
            }
            StopReason::SinglePage => SavedStop::SinglePage,
            StopReason::MaxPages(n) => SavedStop::MaxPages { n: *n },
            StopReason::MaxRecords(n) => SavedStop::MaxRecords { n: *n },
            StopReason::IgnoredByHook => SavedStop::IgnoredByHook,
            StopReason::PaginatorDone => SavedStop::PaginatorDone,
        }
    }
}

impl From<SavedStop> for StopReason {
    fn from(s: SavedStop) -> Self {
        match s {
            SavedStop::NoNextLink => StopReason::NoNextLink,
            SavedStop::NoCursor => StopReason::NoCursor,
            SavedStop::EmptyPage => StopReason::EmptyPage,
            SavedStop::TotalReached { total } => StopReason::TotalReached { total },
            SavedStop::HasMoreFalse => StopReason::HasMoreFalse,
            SavedStop::EndOfStream => StopReason::EndOfStream,
            SavedStop::CursorRepeated => StopReason::CursorRepeated,
            SavedStop::MaximumReached { maximum } => StopReason::MaximumReached { maximum },
            SavedStop::SinglePage => StopReason::SinglePage,
            SavedStop::MaxPages { n } => StopReason::MaxPages(n),
            SavedStop::MaxRecords { n } => StopReason::MaxRecords(n),
            SavedStop::IgnoredByHook => StopReason::IgnoredByHook,
            SavedStop::PaginatorDone => StopReason::PaginatorDone,
        }
    }
}
