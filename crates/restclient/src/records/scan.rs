//! The walk's fast path: one validating pass over a body that finds the records at a plain
//! path, the other top-level members, and whether the records hold any whitespace.
//!
//! serde_json's visitor-driven skip (`IgnoredAny`, `RawValue`) costs about 2,850 instructions
//! for a 158-byte record; this scanner does the same validation in about 1,250: one loop with
//! the open containers on a bit stack (no call per value), string bodies skipped sixteen bytes
//! at a time (SSE2 on x86_64, two SWAR words elsewhere). It is at least as strict as
//! serde_json: on anything it does not plainly accept (invalid JSON, nesting deeper than 128,
//! an escaped key on the path, a lone surrogate escape, a number on the path, ...) it answers
//! `None` and the caller asks serde_json, whose answer (and error position) is then the answer.
//! So it never accepts a body the serde_json scan would reject, and where it accepts, it finds
//! the same ranges (the property tests in `records` and the `records` fuzz target check it).
//!
//! The caller has checked the body is UTF-8: string bodies are skipped, not decoded.
//!
//! A records array with [`SPLIT_MIN`] bytes or more of the body left after its first record,
//! in a body the caller shares (`Bytes`), is scanned in two parts at once: the helper thread
//! (`records::helper`) scans from a comma 3/5 into what is left that looks like the boundary
//! between two records, while this thread scans from the start. The helper's answer is taken only if this thread's scan ends a record
//! exactly at that comma, that is, only where the sequential scan would have gone on from the
//! same byte in the same state; the scan being a function of where it starts, the helper's
//! answer is then the sequential one. A comma that was no boundary (inside a string, a record
//! deeper down) is passed over and the helper's work dropped.

use std::ops::Range;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex, PoisonError, mpsc};
use std::time::{Duration, Instant};

use bytes::Bytes;

use super::{Found, Siblings, Step, helper};

/// Nesting deeper than this goes to serde_json (its own limit for trees is 128).
const MAX_DEPTH: u32 = 128;

/// What one scan found.
#[derive(Debug)]
pub(crate) struct Scanned {
    pub(crate) found: Found,
    /// The other members of the top-level object (when asked for): decoded name and range.
    pub(crate) siblings: Siblings,
    /// No whitespace between or inside the array's elements: their NDJSON lines are their text.
    pub(crate) compact: bool,
}

/// A records array with this much of the body left is scanned in two halves at once (see the
/// module's documentation); below it, the helper's wake-up would cost more than it saves.
pub(crate) const SPLIT_MIN: usize = 64 * 1024;

/// Scans `body` (UTF-8) for the value at `path`, listing an array's elements; with `siblings`,
/// also notes the other top-level members. `None`: not plainly valid, ask serde_json.
///
/// `shared`, when it holds the very bytes of `body`, lets a big records array be scanned on
/// two threads (the helper keeps its own reference to the body).
pub(crate) fn scan(
    body: &[u8],
    path: &[Step],
    siblings: bool,
    shared: Option<&Bytes>,
) -> Option<Scanned> {
    let shared = shared.filter(|s| s.as_ptr() == body.as_ptr() && s.len() == body.len());
    let split = shared.map(|bytes| Split::Helper(bytes, SPLIT_MIN));
    scan_with(body, path, siblings, split)
}

/// [`scan`], halving the records array at the comma at `at` if it is a boundary, the other
/// half scanned first on this thread (`started`) or taken back unscanned.
#[cfg(any(test, fuzzing))]
pub(crate) fn scan_split_at(
    body: &[u8],
    path: &[Step],
    siblings: bool,
    at: usize,
    started: bool,
) -> Option<Scanned> {
    scan_with(body, path, siblings, Some(Split::At(at, started)))
}

#[cfg(test)]
thread_local! {
    /// Records arrays this thread finished with the other half's answer.
    pub(crate) static HALVED: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

fn scan_with(
    body: &[u8],
    path: &[Step],
    siblings: bool,
    split: Option<Split<'_>>,
) -> Option<Scanned> {
    let mut s = Scanner {
        b: body,
        i: 0,
        depth: 0,
        space: false,
        split,
    };
    let mut found = Found::Missing;
    let mut members = Vec::new();
    let mut compact = true;
    s.ws();
    s.seek(
        path,
        &mut found,
        siblings.then_some(&mut members),
        &mut compact,
    )?;
    s.ws();
    (s.i == body.len()).then_some(Scanned {
        found,
        siblings: members,
        compact,
    })
}

struct Scanner<'a> {
    b: &'a [u8],
    /// The next byte to read.
    i: usize,
    depth: u32,
    /// Whether whitespace was skipped since it was last cleared.
    space: bool,
    /// How a records array may be halved; `None`: on this thread alone.
    split: Option<Split<'a>>,
}

/// How [`Scanner::elements`] may halve a records array.
#[derive(Clone, Copy)]
enum Split<'a> {
    /// On the helper thread, holding its own reference to the body; for arrays with at least
    /// this many bytes of the body left.
    Helper(&'a Bytes, usize),
    /// At this comma, the other half scanned on this thread first, or (`false`) never
    /// started, so that this thread takes it back (tests and the fuzz target: every
    /// position, boundary or not, deterministically).
    #[cfg(any(test, fuzzing))]
    At(usize, bool),
}

/// Where the array is cut: this far into what is left (the helper starts a few microseconds
/// after this thread).
const SHARE_NUM: usize = 3;
const SHARE_DEN: usize = 5;

/// The other half of a records array, scanned or being scanned from the comma at `at`.
struct Half {
    at: usize,
    tail: mpsc::Receiver<Option<Tail>>,
    /// Who scans the other half: [`QUEUED`], [`HELPER`] or [`CALLER`], set once.
    claim: Arc<AtomicU8>,
    /// The helper's reference to the body until it starts; emptied when this thread takes the
    /// half back, so that a job still queued does not keep the body shared (a body only its
    /// page holds becomes its NDJSON lines in place, `records::into_ndjson`).
    body: Arc<Mutex<Option<Bytes>>>,
}

/// The helper has not started the other half yet.
const QUEUED: u8 = 0;
/// The helper is scanning it (or has): its answer is coming.
const HELPER: u8 = 1;
/// The caller got there first and scans it itself; the helper leaves it.
const CALLER: u8 = 2;

impl Half {
    /// The other half's answer, or `None` when this thread is to scan it itself: the helper
    /// had not started it when this thread got there (a helper that waits for a CPU is no
    /// help; taking the work back costs nothing), it is gone, or it has not answered within
    /// [`SPIN`] + [`PATIENCE`]. Whichever it is, the answer is the same, only sooner or later.
    ///
    /// A helper that has started was given about as much to do as this thread, so its answer
    /// is waited for spinning, letting other threads of this CPU run (the helper may be one),
    /// before sleeping: a thread put to sleep and woken costs more than the wait.
    fn take(&self) -> Option<Option<Tail>> {
        if self.take_back() {
            return None;
        }
        let start = Instant::now();
        loop {
            for _ in 0..64 {
                match self.tail.try_recv() {
                    Ok(tail) => return Some(tail),
                    Err(mpsc::TryRecvError::Empty) => std::hint::spin_loop(),
                    Err(mpsc::TryRecvError::Disconnected) => return None,
                }
            }
            if start.elapsed() > SPIN {
                return self.tail.recv_timeout(PATIENCE).ok();
            }
            std::thread::yield_now();
        }
    }
}

impl Drop for Half {
    /// A half no longer wanted (the comma was no boundary, or the array ended first) is left
    /// unscanned if the helper has not started it: it frees the helper for the next page.
    fn drop(&mut self) {
        self.take_back();
    }
}

impl Half {
    /// Claims the other half for this thread if the helper has not started it, and then drops
    /// the helper's reference to the body; whether it was claimed.
    fn take_back(&self) -> bool {
        let claimed = self
            .claim
            .compare_exchange(QUEUED, CALLER, Ordering::AcqRel, Ordering::Acquire)
            .is_ok();
        if claimed {
            drop(
                self.body
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .take(),
            );
        }
        claimed
    }
}

/// How long [`Half::take`] spins before it sleeps: about what the helper takes for half of a
/// big page (a 160 KB page is scanned in ~90 µs).
const SPIN: Duration = Duration::from_micros(100);

/// How long [`Half::take`] waits in all: a helper starved of CPU this long is no help.
const PATIENCE: Duration = Duration::from_secs(1);

/// The elements from a comma to the array's end, as the sequential scan would find them.
struct Tail {
    spans: Vec<Range<usize>>,
    /// Past the closing `]`.
    end: usize,
    space: bool,
}

/// Scans the elements of an array from just after the comma at `from - 1` through its `]`.
fn tail(b: &[u8], from: usize) -> Option<Tail> {
    let mut s = Scanner {
        b,
        i: from,
        depth: 1,
        space: false,
        split: None,
    };
    s.ws();
    let mut spans = Vec::new();
    loop {
        let start = s.i;
        s.value()?;
        spans.push(start..s.i);
        if spans.len() == 1 {
            spans.reserve(more_like(b.len().saturating_sub(s.i), s.i - start));
        }
        if !s.more(b']')? {
            return Some(Tail {
                spans: fitted(spans),
                end: s.i,
                space: s.space,
            });
        }
    }
}

/// How many more elements like one of `len` bytes (and its comma) `left` bytes may hold: the
/// array's range list is sized once instead of doubling a dozen times over a page of a
/// thousand records. Capped at 4,096 (64 KiB), and [`fitted`] gives back what a guess from a
/// body that is mostly something else (a JSON:API `included`) reserved too much, since a page
/// keeps its list.
fn more_like(left: usize, len: usize) -> usize {
    (left / (len + 1)).min(1 << 12)
}

/// `spans` without more than a little spare room.
fn fitted(mut spans: Vec<Range<usize>>) -> Vec<Range<usize>> {
    if spans.capacity() > 2 * spans.len() + 64 {
        spans.shrink_to_fit();
    }
    spans
}

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

/// The high bit of each byte of `x` that ends or interrupts a string body: `"`, `\` or a
/// control character. The lowest set bit is exact (a borrow only runs upward from a byte that
/// is itself flagged), so `trailing_zeros() / 8` is the first such byte.
#[inline(always)]
fn string_stops(x: u64) -> u64 {
    let zero = |v: u64| v.wrapping_sub(LO) & !v & HI;
    zero(x ^ (LO * u64::from(b'"')))
        | zero(x ^ (LO * u64::from(b'\\')))
        | (x.wrapping_sub(LO * 0x20) & !x & HI)
}

/// One bit per byte of `chunk` (lowest first) that ends or interrupts a string body: `"`, `\`
/// or a control character.
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
#[inline(always)]
fn stops16(chunk: &[u8; 16]) -> u32 {
    #[target_feature(enable = "sse2")]
    fn sse2(chunk: &[u8; 16]) -> u32 {
        use std::arch::x86_64::{
            _mm_cmpeq_epi8, _mm_loadu_si128, _mm_min_epu8, _mm_movemask_epi8, _mm_or_si128,
            _mm_set1_epi8,
        };
        // SAFETY: `chunk` is a reference to 16 bytes, so the 16 bytes at its address are
        // readable for as long as this call; `_mm_loadu_si128` reads exactly 16 bytes and
        // needs no alignment (it is the unaligned load). Tested against the portable version
        // (`stops16_agrees_with_swar`) at every position and byte value.
        #[allow(unsafe_code)]
        let x = unsafe { _mm_loadu_si128(chunk.as_ptr().cast()) };
        let quote = _mm_cmpeq_epi8(x, _mm_set1_epi8(b'"' as i8));
        let backslash = _mm_cmpeq_epi8(x, _mm_set1_epi8(b'\\' as i8));
        // x <= 0x1F, unsigned: min(x, 0x1F) == x.
        let control = _mm_cmpeq_epi8(_mm_min_epu8(x, _mm_set1_epi8(0x1F)), x);
        _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(quote, backslash), control)) as u32
    }
    // SAFETY: calling a `#[target_feature(enable = "sse2")]` function is sound when the CPU
    // has SSE2. This is compiled only where the target itself guarantees SSE2
    // (`cfg(target_feature = "sse2")`, part of the x86_64 baseline), so every CPU that can run
    // this binary has it. `sse2` takes its bytes by reference (no pointer is read) and is
    // tested against the portable version below (`stops16_agrees_with_swar`).
    #[allow(unsafe_code)]
    unsafe {
        sse2(chunk)
    }
}

/// [`stops16`] without SIMD: two eight-byte words.
#[cfg_attr(all(target_arch = "x86_64", target_feature = "sse2"), allow(dead_code))]
#[inline(always)]
fn stops16_swar(chunk: &[u8; 16]) -> u32 {
    // The high bit of each flagged byte, moved down to one bit per byte.
    let bits = |stops: u64| ((stops >> 7).wrapping_mul(0x0102_0408_1020_4080) >> 56) as u32;
    let (lo, hi) = chunk.split_at(8);
    let word = |half: &[u8]| u64::from_le_bytes(half.try_into().unwrap_or_default());
    let (lo, hi) = (string_stops(word(lo)), string_stops(word(hi)));
    // Only the lowest flagged byte is exact: bits above it in the same word may be noise,
    // which `trailing_zeros` never looks at.
    if lo != 0 { bits(lo) } else { bits(hi) << 8 }
}

#[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
#[inline(always)]
fn stops16(chunk: &[u8; 16]) -> u32 {
    stops16_swar(chunk)
}

/// Four hex digits as a number.
fn hex4(digits: &[u8]) -> Option<u32> {
    let mut n = 0;
    for &d in digits.get(..4)? {
        n = n * 16 + char::from(d).to_digit(16)?;
    }
    Some(n)
}

impl Scanner<'_> {
    #[inline(always)]
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    #[inline(always)]
    fn ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.peek() {
            self.i += 1;
            self.space = true;
        }
    }

    /// Consumes `c` if it is next.
    #[inline(always)]
    fn eat(&mut self, c: u8) -> bool {
        let hit = self.peek() == Some(c);
        if hit {
            self.i += 1;
        }
        hit
    }

    #[inline(always)]
    fn enter(&mut self) -> Option<()> {
        self.depth += 1;
        self.i += 1;
        (self.depth <= MAX_DEPTH).then_some(())
    }

    /// After a member or element: `,` (more follow) or the closing `close`.
    #[inline(always)]
    fn more(&mut self, close: u8) -> Option<bool> {
        self.ws();
        let c = self.peek()?;
        self.i += 1;
        if c == b',' {
            self.ws();
            Some(true)
        } else if c == close {
            self.depth -= 1;
            Some(false)
        } else {
            None
        }
    }

    /// Walks `path` from the value at `self.i`; at its end, records what is there in `out`.
    fn seek(
        &mut self,
        path: &[Step],
        out: &mut Found,
        siblings: Option<&mut Siblings>,
        compact: &mut bool,
    ) -> Option<()> {
        let Some((step, rest)) = path.split_first() else {
            return self.leaf(out, compact);
        };
        match (self.peek()?, step) {
            (b'{', Step::Key(want)) => self.seek_member(want, rest, out, siblings, compact),
            (b'[', Step::Index(want)) => self.seek_element(*want, rest, out, compact),
            // The serde_json scan reads a number on the path as a number (`1e400` fails):
            // its call.
            (b'-' | b'0'..=b'9', _) => None,
            // A step into anything else finds nothing.
            _ => self.value(),
        }
    }

    fn seek_member(
        &mut self,
        want: &str,
        rest: &[Step],
        out: &mut Found,
        mut siblings: Option<&mut Siblings>,
        compact: &mut bool,
    ) -> Option<()> {
        self.enter()?;
        self.ws();
        if self.eat(b'}') {
            self.depth -= 1;
            return Some(());
        }
        loop {
            if self.peek()? != b'"' {
                return None;
            }
            let start = self.i;
            let (end, plain) = string(self.b, start)?;
            self.i = end;
            // An escaped key is rare: serde_json decodes it.
            let key = std::str::from_utf8(self.b.get(start + 1..self.i - 1)?)
                .ok()
                .filter(|_| plain)?;
            self.ws();
            if !self.eat(b':') {
                return None;
            }
            self.ws();
            if key == want {
                // A duplicate key: the last one found wins, as in the serde_json scan.
                self.seek(rest, out, None, compact)?;
            } else if let Some(siblings) = siblings.as_deref_mut() {
                let value = self.i;
                self.value()?;
                siblings.push((key.to_owned(), value..self.i));
            } else {
                self.value()?;
            }
            if !self.more(b'}')? {
                return Some(());
            }
        }
    }

    fn seek_element(
        &mut self,
        want: usize,
        rest: &[Step],
        out: &mut Found,
        compact: &mut bool,
    ) -> Option<()> {
        self.enter()?;
        self.ws();
        if self.eat(b']') {
            self.depth -= 1;
            return Some(());
        }
        let mut index = 0usize;
        loop {
            if index == want {
                self.seek(rest, out, None, compact)?;
            } else {
                self.value()?;
            }
            index = index.saturating_add(1);
            if !self.more(b']')? {
                return Some(());
            }
        }
    }

    /// The value at the end of the path: an array's elements, `null`, or any other value's
    /// range.
    fn leaf(&mut self, out: &mut Found, compact: &mut bool) -> Option<()> {
        match self.peek()? {
            b'[' => {
                self.space = false;
                let spans = self.elements()?;
                *compact = !self.space;
                *out = Found::Array(spans);
            }
            b'n' => {
                self.i = literal(self.b, self.i, b"null")?;
                *out = Found::Null;
            }
            // As on the way (see `seek`).
            b'-' | b'0'..=b'9' => return None,
            _ => {
                let start = self.i;
                self.value()?;
                *out = Found::Value(start..self.i);
            }
        }
        Some(())
    }

    /// The ranges of an array's elements; a big one in two halves at once (see the module).
    fn elements(&mut self) -> Option<Vec<Range<usize>>> {
        self.enter()?;
        let mut spans = Vec::new();
        self.ws();
        if self.eat(b']') {
            self.depth -= 1;
            return Some(spans);
        }
        let mut half = None;
        loop {
            let start = self.i;
            self.value()?;
            spans.push(start..self.i);
            if spans.len() == 1 {
                spans.reserve(more_like(
                    self.b.len().saturating_sub(self.i),
                    self.i - start,
                ));
                half = self.halve(start);
            }
            if let Some(at) = half.as_ref().map(|h: &Half| h.at)
                && self.i >= at
                && let Some(h) = half.take()
                && self.i == at
            {
                // This record ends at the helper's comma: from here the sequential scan would
                // do what the helper does. Its `None` is the sequential scan's `None`. A helper
                // that has not started (or is gone) leaves the rest to this thread.
                if let Some(tail) = h.take() {
                    #[cfg(test)]
                    HALVED.with(|n| n.set(n.get() + 1));
                    let tail = tail?;
                    spans.extend(tail.spans);
                    let spans = fitted(spans);
                    self.i = tail.end;
                    self.space |= tail.space;
                    self.depth -= 1;
                    return Some(spans);
                }
            }
            if !self.more(b']')? {
                return Some(fitted(spans));
            }
        }
    }

    /// After the first element (`first..self.i`) of an array: hands the elements from a comma
    /// near the middle of what is left to the helper, if the array is big and such a comma
    /// is found. The comma sought sits between a byte like the first element's last and one
    /// like its first (`},{` for records that are objects); whether it is a boundary is known
    /// only when this thread gets there.
    fn halve(&self, first: usize) -> Option<Half> {
        match self.split? {
            Split::Helper(bytes, min) => {
                let at = self.candidate(first, min)?;
                let body = Arc::new(Mutex::new(Some(bytes.clone())));
                let theirs = Arc::clone(&body);
                let claim = Arc::new(AtomicU8::new(QUEUED));
                let mine = Arc::clone(&claim);
                let tail = helper::try_run(move || {
                    mine.compare_exchange(QUEUED, HELPER, Ordering::AcqRel, Ordering::Acquire)
                        .ok()?;
                    let body = theirs
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .take()?;
                    tail(&body, at + 1)
                })?;
                Some(Half {
                    at,
                    tail,
                    claim,
                    body,
                })
            }
            #[cfg(any(test, fuzzing))]
            Split::At(at, started) => {
                if at < self.i || self.b.get(at) != Some(&b',') {
                    return None;
                }
                let (done, answer) = mpsc::sync_channel(1);
                if started {
                    done.send(tail(self.b, at + 1)).ok()?;
                }
                let claim = Arc::new(AtomicU8::new(if started { HELPER } else { QUEUED }));
                Some(Half {
                    at,
                    tail: answer,
                    claim,
                    body: Arc::new(Mutex::new(None)),
                })
            }
        }
    }

    /// The first comma at or past the cut (within 4 KiB of it) that sits between a byte like
    /// the first element's last and the start of one like it (`},{"id":` for records that are
    /// objects with the same first key); `None` for an array with fewer than `min` bytes of
    /// the body left.
    fn candidate(&self, first: usize, min: usize) -> Option<usize> {
        let b = self.b;
        let left = b.len().checked_sub(self.i)?;
        if left < min {
            return None;
        }
        let close = *b.get(self.i.checked_sub(1)?)?;
        // An object's first key with its colon; anything else, its first byte.
        let head = b.get(first..self.i.min(first + 32))?;
        let open = match head.iter().position(|&c| c == b':') {
            Some(colon) if head.first() == Some(&b'{') => &head[..=colon],
            _ => &head[..1],
        };
        let cut = self.i + left / SHARE_DEN * SHARE_NUM;
        let window = b.get(cut..b.len().min(cut + 4096))?;
        let k = window
            .windows(open.len() + 2)
            .position(|w| w[0] == close && w[1] == b',' && w[2..] == *open)?;
        Some(cut + k + 1)
    }

    /// Skips one value, validating it: one loop over the bytes with the open containers on a
    /// small stack (no call per value: a record of a dozen fields is a dozen turns of it).
    /// Whitespace is looked for only where the expected byte is not found, so compact JSON
    /// (what most APIs send) pays one comparison per token for it.
    fn value(&mut self) -> Option<()> {
        let b = self.b;
        let mut i = self.i;
        let mut space = false;
        // The open containers as bits, innermost lowest: 1 for an object.
        let mut objects = 0u128;
        let mut depth = 0u32;
        'value: loop {
            match *b.get(i)? {
                b'"' => i = string_end(b, i)?,
                b'{' => {
                    i += 1;
                    if is_ws(*b.get(i)?) {
                        i = ws(b, i, &mut space);
                    }
                    if *b.get(i)? == b'}' {
                        i += 1;
                    } else {
                        depth += 1;
                        if depth > MAX_DEPTH {
                            return None;
                        }
                        objects = objects << 1 | 1;
                        i = key(b, i, &mut space)?;
                        continue 'value;
                    }
                }
                b'[' => {
                    i += 1;
                    if is_ws(*b.get(i)?) {
                        i = ws(b, i, &mut space);
                    }
                    if *b.get(i)? == b']' {
                        i += 1;
                    } else {
                        depth += 1;
                        if depth > MAX_DEPTH {
                            return None;
                        }
                        objects <<= 1;
                        continue 'value;
                    }
                }
                b't' => i = literal(b, i, b"true")?,
                b'f' => i = literal(b, i, b"false")?,
                b'n' => i = literal(b, i, b"null")?,
                b'-' | b'0'..=b'9' => i = number(b, i)?,
                // Whitespace before a value inside a container (after `[`, `,` or `:`). The
                // callers start a value past any whitespace, so a record's range never
                // begins with some. (A guard here rather than an arm of its own keeps the
                // dispatch one table over `"`..=`}`.)
                c => {
                    if depth > 0 && is_ws(c) {
                        i = ws(b, i, &mut space);
                        continue 'value;
                    }
                    return None;
                }
            }
            // After a value: a comma goes on in the innermost container, a closing bracket ends
            // it (and the value it was).
            while depth > 0 {
                let mut c = *b.get(i)?;
                // A comma is the common case: first.
                if c != b',' && is_ws(c) {
                    i = ws(b, i, &mut space);
                    c = *b.get(i)?;
                }
                let object = objects & 1 == 1;
                if c == b',' {
                    i += 1;
                    if object {
                        i = key(b, i, &mut space)?;
                    }
                    continue 'value;
                }
                if c != if object { b'}' } else { b']' } {
                    return None;
                }
                i += 1;
                depth -= 1;
                objects >>= 1;
            }
            self.i = i;
            self.space |= space;
            return Some(());
        }
    }
}

#[inline(always)]
fn is_ws(c: u8) -> bool {
    matches!(c, b' ' | b'\n' | b'\r' | b'\t')
}

/// Skips whitespace from `i`; notes whether there was any.
#[inline(always)]
fn ws(b: &[u8], mut i: usize, space: &mut bool) -> usize {
    // Compact JSON has none: one comparison says so.
    while let Some(&c) = b.get(i) {
        if c > b' ' || !matches!(c, b' ' | b'\n' | b'\r' | b'\t') {
            break;
        }
        i += 1;
        *space = true;
    }
    i
}

/// `"key" :` from the key's opening quote (or whitespace before it), to the byte after the
/// colon: whitespace after it is left to the value.
#[inline(always)]
fn key(b: &[u8], mut i: usize, space: &mut bool) -> Option<usize> {
    if *b.get(i)? != b'"' {
        i = ws(b, i, space);
        if *b.get(i)? != b'"' {
            return None;
        }
    }
    i = string_end(b, i)?;
    if *b.get(i)? != b':' {
        i = ws(b, i, space);
        if *b.get(i)? != b':' {
            return None;
        }
    }
    Some(i + 1)
}

#[inline(always)]
fn literal(b: &[u8], i: usize, word: &[u8]) -> Option<usize> {
    let end = i + word.len();
    (b.get(i..end)? == word).then_some(end)
}

/// The end of the number at `i`: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`, as
/// serde_json reads it.
#[inline(always)]
fn number(b: &[u8], mut i: usize) -> Option<usize> {
    let digits = |mut i: usize| {
        while let Some(b'0'..=b'9') = b.get(i) {
            i += 1;
        }
        i
    };
    if b.get(i) == Some(&b'-') {
        i += 1;
    }
    match b.get(i)? {
        b'0' => i += 1,
        b'1'..=b'9' => i = digits(i + 1),
        _ => return None,
    }
    if b.get(i) == Some(&b'.') {
        let after = digits(i + 1);
        if after == i + 1 {
            return None;
        }
        i = after;
    }
    if let Some(b'e' | b'E') = b.get(i) {
        i += 1;
        if let Some(b'+' | b'-') = b.get(i) {
            i += 1;
        }
        let after = digits(i);
        if after == i {
            return None;
        }
        i = after;
    }
    Some(i)
}

/// The end of the string whose opening quote is at `i`, its escapes validated.
#[inline(always)]
fn string_end(b: &[u8], i: usize) -> Option<usize> {
    let mut i = i + 1;
    loop {
        while let Some(chunk) = b.get(i..i.wrapping_add(16)) {
            let stops = stops16(chunk.try_into().ok()?);
            if stops != 0 {
                i += stops.trailing_zeros() as usize;
                break;
            }
            i += 16;
        }
        // Fewer than 16 bytes left, or a stop found: byte by byte to the stop.
        match *b.get(i)? {
            b'"' => return Some(i + 1),
            b'\\' => i = escape(b, i)?,
            0..=0x1F => return None,
            _ => i += 1,
        }
    }
}

/// The end of the string whose opening quote is at `i`, its escapes validated, and whether it
/// holds none.
#[inline(always)]
fn string(b: &[u8], i: usize) -> Option<(usize, bool)> {
    let mut i = i + 1;
    let mut plain = true;
    loop {
        while let Some(chunk) = b.get(i..).and_then(<[u8]>::first_chunk::<16>) {
            let stops = stops16(chunk);
            if stops != 0 {
                i += stops.trailing_zeros() as usize;
                break;
            }
            i += 16;
        }
        // Fewer than 16 bytes left, or a stop found: byte by byte to the stop.
        match *b.get(i)? {
            b'"' => return Some((i + 1, plain)),
            b'\\' => {
                plain = false;
                i = escape(b, i)?;
            }
            0..=0x1F => return None,
            _ => i += 1,
        }
    }
}

/// The end of the escape at `b[i] == b'\\'`. Stricter than serde_json's skip: a `\u` escape
/// of a surrogate must be a whole pair.
fn escape(b: &[u8], i: usize) -> Option<usize> {
    match *b.get(i + 1)? {
        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => Some(i + 2),
        b'u' => {
            let unit = hex4(b.get(i + 2..)?)?;
            match unit {
                0xD800..=0xDBFF => {
                    if b.get(i + 6..i + 8)? != b"\\u" {
                        return None;
                    }
                    matches!(hex4(b.get(i + 8..)?)?, 0xDC00..=0xDFFF).then_some(i + 12)
                }
                0xDC00..=0xDFFF => None,
                _ => Some(i + 6),
            }
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// A records list sized from a body that is mostly something else (a JSON:API `included`)
    /// does not keep the room it guessed: a page keeps its list.
    #[test]
    fn a_records_list_keeps_little_spare_room() {
        let records = vec![r#"{"type":"a","id":"1"}"#; 20].join(",");
        let body = format!(
            r#"{{"data":[{records}],"included":["{}"]}}"#,
            "i".repeat(1 << 20)
        );
        let s = scan(body.as_bytes(), &keys(&["data"]), true, None).unwrap();
        let Found::Array(spans) = &s.found else {
            panic!("no array")
        };
        assert_eq!(spans.len(), 20);
        assert!(spans.capacity() <= 2 * 20 + 64, "{}", spans.capacity());
    }

    /// A half taken back before the helper started lets go of the helper's reference to the
    /// body at once (not when the queued job finally runs), so the page owns its body again.
    #[test]
    fn a_half_taken_back_lets_go_of_the_body() {
        let page = Bytes::from(vec![b'x'; 16]);
        let (_answer, tail) = mpsc::sync_channel(1);
        let half = Half {
            at: 0,
            tail,
            claim: Arc::new(AtomicU8::new(QUEUED)),
            body: Arc::new(Mutex::new(Some(page.clone()))),
        };
        assert!(!page.is_unique());
        assert!(half.take().is_none(), "not started: this thread scans it");
        assert!(page.is_unique(), "the queued job no longer holds the body");

        let dropped = Half {
            at: 0,
            tail: mpsc::sync_channel(1).1,
            claim: Arc::new(AtomicU8::new(QUEUED)),
            body: Arc::new(Mutex::new(Some(page.clone()))),
        };
        drop(dropped);
        assert!(
            page.is_unique(),
            "a half no longer wanted lets go of it too"
        );
    }

    fn keys(path: &[&str]) -> Vec<Step> {
        path.iter().map(|k| Step::Key((*k).to_owned())).collect()
    }

    #[test]
    fn string_stops_finds_the_first_quote_backslash_or_control() {
        let first = |s: &[u8; 8]| {
            let m = string_stops(u64::from_le_bytes(*s));
            (m != 0).then(|| (m.trailing_zeros() / 8) as usize)
        };
        assert_eq!(first(b"abcdefgh"), None);
        assert_eq!(first(b"ab\"de\\gh"), Some(2));
        assert_eq!(first(b"\x00bcdefgh"), Some(0));
        assert_eq!(first(b"abcdefg\x1f"), Some(7));
        assert_eq!(first(b"\xc3\xa9\xff\x80 !#\\"), Some(7));
        assert_eq!(first(b"\x7f~]\x20\x21\x5b\x5d\""), Some(7));
    }

    #[test]
    fn stops16_agrees_with_swar() {
        let first = |m: u32| (m != 0).then(|| m.trailing_zeros());
        // Every byte value at every position, among bytes that stop nothing and bytes that do.
        for fill in [b'a', 0xC3, b'"'] {
            for at in 0..16 {
                for byte in 0..=255u8 {
                    let mut chunk = [fill; 16];
                    chunk[at] = byte;
                    assert_eq!(
                        first(stops16(&chunk)),
                        first(stops16_swar(&chunk)),
                        "{chunk:?}"
                    );
                    let want = (0..16).find(|&k| matches!(chunk[k], b'"' | b'\\' | 0..=0x1F));
                    assert_eq!(first(stops16(&chunk)), want.map(|k| k as u32));
                }
            }
        }
    }

    #[test]
    fn finds_records_siblings_and_compactness() {
        let body = br#"{"total":3,"items":[{"a":"x\"y"},[1,-2.5e+3],null],"next":{"n":"\u00e9"}}"#;
        let s = scan(body, &keys(&["items"]), true, None).unwrap();
        let Found::Array(spans) = &s.found else {
            panic!("{s:?}")
        };
        let texts: Vec<&[u8]> = spans.iter().map(|r| &body[r.clone()]).collect();
        assert_eq!(texts, [&br#"{"a":"x\"y"}"#[..], b"[1,-2.5e+3]", b"null"]);
        assert!(s.compact);
        let names: Vec<&str> = s.siblings.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["total", "next"]);
        let pretty = b"{ \"items\" : [ {\"a\": 1} ] }";
        assert!(
            !scan(pretty, &keys(&["items"]), false, None)
                .unwrap()
                .compact
        );
    }

    #[test]
    fn refuses_what_it_cannot_vouch_for() {
        for body in [
            &br#"{"items":[1,]}"#[..],
            br#"{"items":[01]}"#,
            br#"{"items":[1.]}"#,
            br#"{"items":[-]}"#,
            br#"{"items":["\x"]}"#,
            br#"{"items":["\ud800"]}"#,
            br#"{"items":["\udc00\ud800"]}"#,
            b"{\"items\":[\"a\x01\"]}",
            br#"{"items":[tru]}"#,
            br#"{"items":[1]} x"#,
            br#"{"items":[1]"#,
            br#"{"it\u0065ms":[1]}"#,
            b"",
        ] {
            assert!(
                scan(body, &keys(&["items"]), true, None).is_none(),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        assert!(scan(deep.as_bytes(), &[], false, None).is_none());
        let ok = format!("{}{}", "[".repeat(100), "]".repeat(100));
        assert!(scan(ok.as_bytes(), &[], false, None).is_some());
    }

    fn same(a: &Option<Scanned>, b: &Option<Scanned>) -> bool {
        match (a, b) {
            (None, None) => true,
            (Some(a), Some(b)) => {
                a.found == b.found && a.siblings == b.siblings && a.compact == b.compact
            }
            _ => false,
        }
    }

    /// Records whose text is full of commas that look like boundaries and are not (in
    /// strings, between nested objects, escaped quotes before them): halved at every comma of
    /// the body, the scan finds what the sequential scan finds, and the commas that are
    /// boundaries are taken.
    #[test]
    fn a_scan_halved_at_any_comma_equals_the_sequential_scan() {
        let bodies = [
            &br#"{"n":1,"items":[{"a":"},{"},{"b":[{"c":1},{"d":"\"},{"}]},{"e":"x\\"},{"f":{}},{}],"next":"},{"}"#[..],
            br#"{"items":[[1,[2]],[3],[],[[],[4,{"x":"],["}]]],"total":4}"#,
            b"{\"items\":[ {\"a\": 1} ,{\"a\":2},\n{\"a\":3} ],\"k\":[{},{}]}",
            br#"{"items":["a","b\",\"c","d",1,2.5,true,null],"z":1}"#,
        ];
        let path = keys(&["items"]);
        for body in bodies {
            let sequential = scan(body, &path, true, None);
            assert!(sequential.is_some(), "{}", String::from_utf8_lossy(body));
            let before = HALVED.with(std::cell::Cell::get);
            for (at, started) in (0..body.len()).flat_map(|at| [(at, true), (at, false)]) {
                let halved = scan_split_at(body, &path, true, at, started);
                assert!(
                    same(&halved, &sequential),
                    "at {at} of {}",
                    String::from_utf8_lossy(body)
                );
            }
            assert!(
                HALVED.with(std::cell::Cell::get) > before,
                "no comma was taken as a boundary"
            );
        }
    }

    /// The same bodies cut short or broken after the comma: a halved scan that takes the
    /// other half's `None` answers `None`, as the sequential scan does.
    #[test]
    fn a_halved_scan_of_a_broken_body_fails_as_the_sequential_scan_fails() {
        let body = br#"{"items":[{"a":1},{"a":2},{"a":3},{"a":4}],"t":1}"#;
        let path = keys(&["items"]);
        for cut in 0..body.len() {
            for edit in [b'x', b']', b',', b'"'] {
                let mut broken = body.to_vec();
                broken[cut] = edit;
                let sequential = scan(&broken, &path, true, None);
                for (at, started) in (0..broken.len()).flat_map(|at| [(at, true), (at, false)]) {
                    let halved = scan_split_at(&broken, &path, true, at, started);
                    assert!(
                        same(&halved, &sequential),
                        "at {at} of {}",
                        String::from_utf8_lossy(&broken)
                    );
                }
            }
        }
    }

    /// A body over [`SPLIT_MIN`] shared as `Bytes`: the helper thread scans half of it, and
    /// the answer is the sequential one.
    #[test]
    fn a_big_shared_body_is_scanned_in_two_halves_with_the_sequential_answer() {
        // Each record holds what looks like a boundary in a string and between nested objects.
        let records: Vec<String> = (0..4000)
            .map(|i| format!(r#"{{"id":{i},"s":"}},{{\"id\":{i}}}","t":[{{}},{{"u":[1,2]}}]}}"#))
            .collect();
        let text = format!(r#"{{"items":[{}],"total":4000}}"#, records.join(","));
        assert!(text.len() > 2 * SPLIT_MIN);
        let body = Bytes::from(text);
        let path = keys(&["items"]);
        let sequential = scan(&body, &path, true, None);
        let Some(Found::Array(spans)) = sequential.as_ref().map(|s| &s.found) else {
            panic!("{sequential:?}")
        };
        assert_eq!(spans.len(), 4000);
        let before = HALVED.with(std::cell::Cell::get);
        // Another test may hold the helper for a moment: scan until it has taken a half.
        for _ in 0..1_000 {
            let halved = scan(&body, &path, true, Some(&body));
            assert!(same(&halved, &sequential));
            if HALVED.with(std::cell::Cell::get) > before {
                break;
            }
        }
        assert!(
            HALVED.with(std::cell::Cell::get) > before,
            "the helper never took a half"
        );
        // Bytes that are not the body's own are not handed to the helper.
        let other = Bytes::from(body.to_vec());
        let before = HALVED.with(std::cell::Cell::get);
        assert!(same(&scan(&body, &path, true, Some(&other)), &sequential));
        assert_eq!(HALVED.with(std::cell::Cell::get), before);
    }

    /// Records whose nested objects look exactly like record boundaries (`},{"id":`): the
    /// helper's part is dropped when the comma was no boundary, and the answer is still the
    /// sequential one, every time.
    #[test]
    fn a_big_body_cut_at_a_nested_lookalike_still_gets_the_sequential_answer() {
        for kids in 1..4 {
            let records: Vec<String> = (0..3000)
                .map(|i| {
                    let nested: Vec<String> =
                        (0..kids).map(|k| format!(r#"{{"id":{k}}}"#)).collect();
                    format!(r#"{{"id":{i},"kids":[{}]}}"#, nested.join(","))
                })
                .collect();
            let text = format!(r#"{{"items":[{}],"total":3000}}"#, records.join(","));
            let body = Bytes::from(text);
            let path = keys(&["items"]);
            let sequential = scan(&body, &path, true, None);
            assert!(sequential.is_some());
            for _ in 0..20 {
                assert!(same(&scan(&body, &path, true, Some(&body)), &sequential));
            }
        }
    }
}
