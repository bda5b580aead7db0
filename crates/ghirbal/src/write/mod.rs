//! Writing `kept/` and `removed/`: part files of bounded size, written under a temporary name and renamed when
//! complete, so a reader (or a crash) never sees half a part.
//!
//! Workers compress each batch into an independent frame (a zstd frame or a gzip member) and the writer only
//! concatenates them: compression scales with threads, and a multi-frame file is an ordinary `.zst`/`.gz` to
//! every decoder. The bytes depend only on the batches, never on timing, so output is identical at any thread
//! count.

#[cfg(feature = "parquet")]
mod parquet;
mod record;

use std::io::Write;
use std::path::{Path, PathBuf};

pub use record::{removed_line, RemovedFields};

use crate::work::TmpFile;
use crate::{Compression, Error, OutputConfig, OutputFormat, Result};

/// Which output a part belongs to (they have different Parquet schemas).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Channel {
    /// `kept/`.
    Kept,
    /// `removed/`.
    Removed,
}

/// One batch ready for a part file.
pub enum Encoded {
    /// Compressed JSONL bytes (one frame) and the uncompressed size.
    Bytes(Vec<u8>, u64),
    /// An Arrow batch for a Parquet part, with the uncompressed JSONL size it came from.
    #[cfg(feature = "parquet")]
    Arrow(arrow_array::RecordBatch, u64),
}

/// Compresses JSONL batches into self-contained frames.
#[derive(Clone, Copy, Debug)]
pub struct Encoder {
    compression: Compression,
    zstd_level: i32,
    gzip_level: u32,
}

impl Encoder {
    /// An encoder for the given compression.
    pub const fn new(compression: Compression, zstd_level: i32, gzip_level: u32) -> Encoder {
        Encoder {
            compression,
            zstd_level,
            gzip_level,
        }
    }

    /// The file name suffix (`jsonl.zst`, `jsonl.gz`, `jsonl`).
    pub fn extension(&self) -> &'static str {
        match self.compression {
            Compression::Zstd => "jsonl.zst",
            Compression::Gzip => "jsonl.gz",
            Compression::None => "jsonl",
        }
    }

    /// One independent frame holding `data`. A compressor that fails (out of memory, a bad level) fails the
    /// run: an empty frame would lose documents the stats count as written.
    pub fn encode(&self, data: &[u8]) -> std::io::Result<Vec<u8>> {
        match self.compression {
            Compression::None => Ok(data.to_vec()),
            Compression::Zstd => crate::zstd_ctx::compress(data, self.zstd_level),
            Compression::Gzip => {
                let level = flate2::Compression::new(self.gzip_level);
                let mut enc = flate2::write::GzEncoder::new(Vec::with_capacity(data.len() / 3), level);
                enc.write_all(data)?;
                enc.finish()
            }
        }
    }
}

/// Encodes one batch of JSONL lines for an output channel, in the configured format; `part` names the
/// output for an error. Uncompressed JSONL is the batch itself, not a copy of it.
pub fn encode_output(lines: Vec<u8>, channel: Channel, cfg: &OutputConfig, part: &Path) -> Result<Encoded> {
    let raw = lines.len() as u64;
    match cfg.format {
        OutputFormat::Jsonl if cfg.compression == Compression::None => Ok(Encoded::Bytes(lines, raw)),
        OutputFormat::Jsonl => Ok(Encoded::Bytes(
            Encoder::new(cfg.compression, cfg.zstd_level, cfg.gzip_level)
                .encode(&lines)
                .map_err(Error::io("compressing a batch for", part))?,
            raw,
        )),
        #[cfg(feature = "parquet")]
        OutputFormat::Parquet => Ok(Encoded::Arrow(parquet::to_batch(&lines, channel, part)?, raw)),
        // `Config::validate` refuses this format in a build without Parquet.
        #[cfg(not(feature = "parquet"))]
        OutputFormat::Parquet => {
            let _ = channel;
            Err(Error::Config(
                "--format parquet needs a ghirbal built with the `parquet` feature".into(),
            ))
        }
    }
}

enum Sink {
    Bytes(TmpFile),
    #[cfg(feature = "parquet")]
    Parquet(Box<::parquet::arrow::ArrowWriter<TmpFile>>),
}

/// Writes the parts `PREFIX-000.EXT`, `PREFIX-001.EXT`, … of one shard into a folder.
pub struct PartWriter {
    dir: PathBuf,
    prefix: String,
    channel: Channel,
    cfg: OutputConfig,
    index: u32,
    open: Option<(Sink, PathBuf, u64)>,
    written: Vec<PathBuf>,
}

impl PartWriter {
    /// A writer for `dir/PREFIX-NNN.EXT`.
    pub fn new(dir: &Path, prefix: String, channel: Channel, cfg: &OutputConfig) -> PartWriter {
        PartWriter {
            dir: dir.to_owned(),
            prefix,
            channel,
            cfg: cfg.clone(),
            index: 0,
            open: None,
            written: Vec::new(),
        }
    }

    fn extension(&self) -> String {
        match self.cfg.format {
            OutputFormat::Jsonl => Encoder::new(self.cfg.compression, 1, 1).extension().to_owned(),
            OutputFormat::Parquet => "parquet".to_owned(),
        }
    }

    fn final_path(&self) -> PathBuf {
        self.dir
            .join(format!("{}-{:03}.{}", self.prefix, self.index, self.extension()))
    }

    fn open_part(&mut self) -> Result<()> {
        let path = self.final_path();
        let (file, tmp) = crate::work::create_tmp(&path)?;
        let sink = match self.cfg.format {
            OutputFormat::Jsonl => Sink::Bytes(file),
            #[cfg(feature = "parquet")]
            OutputFormat::Parquet => Sink::Parquet(Box::new(parquet::writer(file, self.channel, &self.cfg, &tmp)?)),
            #[cfg(not(feature = "parquet"))]
            OutputFormat::Parquet => {
                return Err(Error::Config(
                    "--format parquet needs a ghirbal built with the `parquet` feature".into(),
                ))
            }
        };
        self.open = Some((sink, tmp, 0));
        Ok(())
    }

    /// Appends one encoded batch, starting a new part first when the current one is full.
    pub fn write(&mut self, batch: Encoded) -> Result<()> {
        let size = match &batch {
            Encoded::Bytes(_, n) => *n,
            #[cfg(feature = "parquet")]
            Encoded::Arrow(_, n) => *n,
        };
        if size == 0 {
            return Ok(());
        }
        if matches!(&self.open, Some((_, _, bytes)) if *bytes > 0 && bytes + size > self.cfg.part_bytes) {
            self.close_part()?;
        }
        if self.open.is_none() {
            self.open_part()?;
        }
        let Some((sink, tmp, bytes)) = self.open.as_mut() else {
            unreachable!("a part was just opened")
        };
        *bytes += size;
        match (sink, batch) {
            (Sink::Bytes(file), Encoded::Bytes(data, _)) => {
                file.write_all(&data).map_err(Error::io("writing", tmp.as_path()))
            }
            #[cfg(feature = "parquet")]
            (Sink::Parquet(writer), Encoded::Arrow(rb, _)) => writer.write(&rb).map_err(|e| parquet::err(tmp, &e)),
            #[cfg(feature = "parquet")]
            _ => Err(Error::Config(
                "internal: output batch does not match the output format".into(),
            )),
        }
    }

    fn close_part(&mut self) -> Result<()> {
        let Some((sink, tmp, _)) = self.open.take() else {
            return Ok(());
        };
        let file = match sink {
            Sink::Bytes(file) => file,
            // The footer, then the file back.
            #[cfg(feature = "parquet")]
            Sink::Parquet(writer) => writer.into_inner().map_err(|e| parquet::err(&tmp, &e))?,
        };
        let path = self.final_path();
        file.commit_behind(&path)?;
        self.written.push(path);
        self.index += 1;
        Ok(())
    }

    /// Closes the last part; returns every part written.
    pub fn finish(mut self) -> Result<Vec<PathBuf>> {
        self.close_part()?;
        Ok(self.written)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn frames_concatenate_into_one_valid_stream() {
        for compression in [Compression::Zstd, Compression::Gzip, Compression::None] {
            let enc = Encoder::new(compression, 3, 6);
            let mut file = enc.encode("{\"id\":\"أ\"}\n".as_bytes()).expect("encode");
            file.extend(enc.encode(b"{\"id\":\"b\"}\n").expect("encode"));
            let mut out = String::new();
            match compression {
                Compression::Zstd => zstd::stream::read::Decoder::new(&file[..])
                    .expect("zstd")
                    .read_to_string(&mut out),
                Compression::Gzip => flate2::read::MultiGzDecoder::new(&file[..]).read_to_string(&mut out),
                Compression::None => (&file[..]).read_to_string(&mut out),
            }
            .expect("decode");
            assert_eq!(out, "{\"id\":\"أ\"}\n{\"id\":\"b\"}\n", "{compression:?}");
        }
    }

    #[test]
    fn parts_roll_over_and_appear_only_when_complete() {
        let dir = tempfile::tempdir().expect("tmp");
        let cfg = OutputConfig {
            compression: Compression::None,
            part_bytes: 10,
            ..Default::default()
        };
        let mut w = PartWriter::new(dir.path(), "part-00000".into(), Channel::Kept, &cfg);
        for line in ["aaaaaa\n", "bbbbbb\n", "cc\n"] {
            w.write(encode_output(line.as_bytes().to_vec(), Channel::Kept, &cfg, dir.path()).expect("encode"))
                .expect("write");
        }
        assert!(
            !dir.path().join("part-00000-001.jsonl").exists(),
            "a part in progress is visible"
        );
        let parts = w.finish().expect("finish");
        let names: Vec<_> = parts
            .iter()
            .map(|p| p.file_name().expect("name").to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["part-00000-000.jsonl", "part-00000-001.jsonl"]);
        assert_eq!(std::fs::read_to_string(&parts[1]).expect("read"), "bbbbbb\ncc\n");
    }
}
