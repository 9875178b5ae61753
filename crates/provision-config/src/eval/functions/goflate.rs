//! Go's DEFLATE compressor at its default level, reproduced step for step, so that
//! `base64gzip` gives Terraform's bytes exactly: every compressor makes valid gzip, but only the
//! same matching and the same Huffman choices make the same bytes, and a value that differs from
//! the one Terraform put in state shows as a change (a `user_data` to replace).
//!
//! It follows Go's `compress/flate` (`deflate.go` at level 6, `huffman_bit_writer.go` and
//! `huffman_code.go`) and `compress/gzip`'s header, then a sync flush and close, as Terraform's
//! `base64gzip` calls them.

const WINDOW_SIZE: usize = 1 << 15;
const WINDOW_MASK: usize = WINDOW_SIZE - 1;
const MIN_MATCH: usize = 4;
const MAX_MATCH: usize = 258;
const BASE_MATCH_LENGTH: usize = 3;
const BASE_MATCH_OFFSET: usize = 1;
const MAX_FLATE_BLOCK_TOKENS: usize = 1 << 14;
const MAX_STORE_BLOCK_SIZE: usize = 65535;
const HASH_BITS: u32 = 17;
const HASH_SIZE: usize = 1 << HASH_BITS;
const HASH_MASK: u32 = (1 << HASH_BITS) - 1;
const MAX_HASH_OFFSET: usize = 1 << 24;
// Level 6.
const GOOD: usize = 8;
const LAZY: usize = 16;
const NICE: usize = 128;
const CHAIN: usize = 128;

const END_BLOCK: usize = 256;
const LENGTH_CODES_START: usize = 257;
const MAX_NUM_LIT: usize = 286;
const OFFSET_CODE_COUNT: usize = 30;
const CODEGEN_CODE_COUNT: usize = 19;
const BAD_CODE: u8 = 255;
const CODEGEN_ORDER: [usize; 19] = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

const LENGTH_EXTRA_BITS: [u8; 29] =
    [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const LENGTH_BASE: [u16; 29] =
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 14, 16, 20, 24, 28, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 255];
const OFFSET_EXTRA_BITS: [u8; 30] =
    [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];
const OFFSET_BASE: [u32; 30] = [
    0x000000, 0x000001, 0x000002, 0x000003, 0x000004, 0x000006, 0x000008, 0x00000c, 0x000010, 0x000018, 0x000020,
    0x000030, 0x000040, 0x000060, 0x000080, 0x0000c0, 0x000100, 0x000180, 0x000200, 0x000300, 0x000400, 0x000600,
    0x000800, 0x000c00, 0x001000, 0x001800, 0x002000, 0x003000, 0x004000, 0x006000,
];

/// A literal byte, or a match of `length - 3` bytes at `offset - 1` back.
#[derive(Clone, Copy)]
enum Token {
    Literal(u8),
    EndBlock,
    Match { length: u16, offset: u32 },
}

fn length_code(len: u16) -> usize {
    // The code whose base is the largest not above `len` (lengths stored minus 3).
    LENGTH_BASE.iter().rposition(|b| *b <= len).unwrap_or(0)
}

fn offset_code(off: u32) -> usize {
    OFFSET_BASE.iter().rposition(|b| *b <= off).unwrap_or(0)
}

fn hash4(b: &[u8]) -> u32 {
    let v = u32::from(b[3]) | (u32::from(b[2]) << 8) | (u32::from(b[1]) << 16) | (u32::from(b[0]) << 24);
    v.wrapping_mul(0x1e35a7bd) >> (32 - HASH_BITS)
}

#[derive(Clone, Copy, Default)]
struct HCode {
    code: u16,
    len: u16,
}

fn reverse_bits(number: u16, bit_length: u16) -> u16 {
    (number << (16 - bit_length)).reverse_bits()
}

struct Encoder {
    codes: Vec<HCode>,
}

#[derive(Clone, Copy)]
struct Node {
    literal: u16,
    freq: i32,
}

impl Encoder {
    fn new(size: usize) -> Encoder {
        Encoder { codes: vec![HCode::default(); size] }
    }

    fn fixed_literal() -> Encoder {
        let mut h = Encoder::new(MAX_NUM_LIT);
        for ch in 0..MAX_NUM_LIT as u16 {
            let (bits, size) = match ch {
                0..=143 => (ch + 48, 8),
                144..=255 => (ch + 400 - 144, 9),
                256..=279 => (ch - 256, 7),
                _ => (ch + 192 - 280, 8),
            };
            h.codes[usize::from(ch)] = HCode { code: reverse_bits(bits, size), len: size };
        }
        h
    }

    fn fixed_offset() -> Encoder {
        let mut h = Encoder::new(OFFSET_CODE_COUNT);
        for (ch, c) in h.codes.iter_mut().enumerate() {
            *c = HCode { code: reverse_bits(ch as u16, 5), len: 5 };
        }
        h
    }

    fn bit_length(&self, freq: &[i32]) -> usize {
        freq.iter()
            .enumerate()
            .filter(|(_, f)| **f != 0)
            .map(|(i, f)| *f as usize * usize::from(self.codes[i].len))
            .sum()
    }

    fn generate(&mut self, freq: &[i32], max_bits: i32) {
        let mut list: Vec<Node> = vec![];
        for (i, f) in freq.iter().enumerate() {
            if *f != 0 {
                list.push(Node { literal: i as u16, freq: *f });
            } else {
                self.codes[i].len = 0;
            }
        }
        if list.len() <= 2 {
            for (i, node) in list.iter().enumerate() {
                self.codes[usize::from(node.literal)] = HCode { code: i as u16, len: 1 };
            }
            return;
        }
        list.sort_by(|a, b| a.freq.cmp(&b.freq).then(a.literal.cmp(&b.literal)));
        let bit_count = bit_counts(&list, max_bits);
        // Assign codes, longest first from the least frequent, in literal order within a length.
        let mut code: u16 = 0;
        let mut rest = list.as_slice();
        for (n, bits) in bit_count.iter().enumerate() {
            code <<= 1;
            if n == 0 || *bits == 0 {
                continue;
            }
            let bits = *bits as usize;
            let mut chunk: Vec<Node> = rest[rest.len() - bits..].to_vec();
            chunk.sort_by_key(|c| c.literal);
            for node in chunk {
                self.codes[usize::from(node.literal)] = HCode { code: reverse_bits(code, n as u16), len: n as u16 };
                code = code.wrapping_add(1);
            }
            rest = &rest[..rest.len() - bits];
        }
    }
}

/// How many literals get each code length, with lengths limited to `max_bits` (Go's
/// `bitCounts`, a package-merge walk over levels).
fn bit_counts(list: &[Node], max_bits: i32) -> Vec<i32> {
    const LIMIT: usize = 16;
    #[derive(Clone, Copy, Default)]
    struct Level {
        level: i32,
        last_freq: i32,
        next_char_freq: i32,
        next_pair_freq: i32,
        needed: i32,
    }
    let n = list.len() as i32;
    let mut list: Vec<Node> = list.to_vec();
    list.push(Node { literal: u16::MAX, freq: i32::MAX });
    let max_bits = max_bits.min(n - 1);
    let mut levels = [Level::default(); LIMIT + 1];
    let mut leaf_counts = [[0i32; LIMIT + 1]; LIMIT + 1];
    for level in 1..=max_bits {
        let l = level as usize;
        levels[l] = Level {
            level,
            last_freq: list[1].freq,
            next_char_freq: list[2].freq,
            next_pair_freq: list[0].freq.saturating_add(list[1].freq),
            needed: 0,
        };
        leaf_counts[l][l] = 2;
        if level == 1 {
            levels[l].next_pair_freq = i32::MAX;
        }
    }
    levels[max_bits as usize].needed = 2 * n - 4;
    let mut level = max_bits as usize;
    loop {
        if levels[level].next_pair_freq == i32::MAX && levels[level].next_char_freq == i32::MAX {
            levels[level].needed = 0;
            levels[level + 1].next_pair_freq = i32::MAX;
            level += 1;
            continue;
        }
        let prev_freq = levels[level].last_freq;
        if levels[level].next_char_freq < levels[level].next_pair_freq {
            let next = leaf_counts[level][level] + 1;
            levels[level].last_freq = levels[level].next_char_freq;
            leaf_counts[level][level] = next;
            levels[level].next_char_freq = list[next as usize].freq;
        } else {
            levels[level].last_freq = levels[level].next_pair_freq;
            let (lower, upper) = leaf_counts.split_at_mut(level);
            upper[0][..level].copy_from_slice(&lower[level - 1][..level]);
            levels[level - 1].needed = 2;
        }
        levels[level].needed -= 1;
        if levels[level].needed == 0 {
            if levels[level].level == max_bits {
                break;
            }
            levels[level + 1].next_pair_freq = prev_freq.saturating_add(levels[level].last_freq);
            level += 1;
        } else {
            while levels[level - 1].needed > 0 {
                level -= 1;
            }
        }
    }
    let mut bit_count = vec![0i32; max_bits as usize + 1];
    let counts = &leaf_counts[max_bits as usize];
    for (bits, level) in (1..).zip((1..=max_bits as usize).rev()) {
        bit_count[bits] = counts[level] - counts[level - 1];
    }
    bit_count
}

#[derive(Default)]
struct BitWriter {
    out: Vec<u8>,
    bits: u64,
    nbits: u32,
}

impl BitWriter {
    fn write_bits(&mut self, b: u32, nb: u32) {
        self.bits |= u64::from(b) << self.nbits;
        self.nbits += nb;
        while self.nbits >= 8 {
            self.out.push(self.bits as u8);
            self.bits >>= 8;
            self.nbits -= 8;
        }
    }

    fn write_code(&mut self, c: HCode) {
        self.write_bits(u32::from(c.code), u32::from(c.len));
    }

    /// Pads to a whole byte.
    fn flush(&mut self) {
        if self.nbits > 0 {
            self.out.push(self.bits as u8);
        }
        self.bits = 0;
        self.nbits = 0;
    }

    fn write_stored_header(&mut self, length: usize, eof: bool) {
        self.write_bits(u32::from(eof), 3);
        self.flush();
        self.write_bits(length as u32, 16);
        self.write_bits(u32::from(!(length as u16)), 16);
    }
}

struct HuffmanWriter {
    w: BitWriter,
    literal_freq: Vec<i32>,
    offset_freq: Vec<i32>,
    codegen: Vec<u8>,
    codegen_freq: [i32; CODEGEN_CODE_COUNT],
    literal_encoding: Encoder,
    offset_encoding: Encoder,
    codegen_encoding: Encoder,
    fixed_literal: Encoder,
    fixed_offset: Encoder,
}

impl HuffmanWriter {
    fn new() -> HuffmanWriter {
        HuffmanWriter {
            w: BitWriter::default(),
            literal_freq: vec![0; MAX_NUM_LIT],
            offset_freq: vec![0; OFFSET_CODE_COUNT],
            codegen: vec![0; MAX_NUM_LIT + OFFSET_CODE_COUNT + 1],
            codegen_freq: [0; CODEGEN_CODE_COUNT],
            literal_encoding: Encoder::new(MAX_NUM_LIT),
            offset_encoding: Encoder::new(OFFSET_CODE_COUNT),
            codegen_encoding: Encoder::new(CODEGEN_CODE_COUNT),
            fixed_literal: Encoder::fixed_literal(),
            fixed_offset: Encoder::fixed_offset(),
        }
    }

    fn index_tokens(&mut self, tokens: &[Token]) -> (usize, usize) {
        self.literal_freq.iter_mut().for_each(|f| *f = 0);
        self.offset_freq.iter_mut().for_each(|f| *f = 0);
        for t in tokens {
            match *t {
                Token::Literal(b) => self.literal_freq[usize::from(b)] += 1,
                Token::EndBlock => self.literal_freq[END_BLOCK] += 1,
                Token::Match { length, offset } => {
                    self.literal_freq[LENGTH_CODES_START + length_code(length)] += 1;
                    self.offset_freq[offset_code(offset)] += 1;
                }
            }
        }
        let mut num_literals = self.literal_freq.len();
        while self.literal_freq[num_literals - 1] == 0 {
            num_literals -= 1;
        }
        let mut num_offsets = self.offset_freq.len();
        while num_offsets > 0 && self.offset_freq[num_offsets - 1] == 0 {
            num_offsets -= 1;
        }
        if num_offsets == 0 {
            self.offset_freq[0] = 1;
            num_offsets = 1;
        }
        self.literal_encoding.generate(&self.literal_freq, 15);
        self.offset_encoding.generate(&self.offset_freq, 15);
        (num_literals, num_offsets)
    }

    fn generate_codegen(&mut self, num_literals: usize, num_offsets: usize) {
        self.codegen_freq = [0; CODEGEN_CODE_COUNT];
        let codegen = &mut self.codegen;
        for (slot, code) in codegen.iter_mut().zip(&self.literal_encoding.codes[..num_literals]) {
            *slot = code.len as u8;
        }
        for (slot, code) in codegen[num_literals..].iter_mut().zip(&self.offset_encoding.codes[..num_offsets]) {
            *slot = code.len as u8;
        }
        codegen[num_literals + num_offsets] = BAD_CODE;
        let mut size = codegen[0];
        let mut count: i32 = 1;
        let mut out = 0usize;
        let mut in_index = 1usize;
        while size != BAD_CODE {
            let next = codegen[in_index];
            in_index += 1;
            if next == size {
                count += 1;
                continue;
            }
            if size != 0 {
                codegen[out] = size;
                out += 1;
                self.codegen_freq[usize::from(size)] += 1;
                count -= 1;
                while count >= 3 {
                    let n = count.min(6);
                    codegen[out] = 16;
                    codegen[out + 1] = (n - 3) as u8;
                    out += 2;
                    self.codegen_freq[16] += 1;
                    count -= n;
                }
            } else {
                while count >= 11 {
                    let n = count.min(138);
                    codegen[out] = 18;
                    codegen[out + 1] = (n - 11) as u8;
                    out += 2;
                    self.codegen_freq[18] += 1;
                    count -= n;
                }
                if count >= 3 {
                    codegen[out] = 17;
                    codegen[out + 1] = (count - 3) as u8;
                    out += 2;
                    self.codegen_freq[17] += 1;
                    count = 0;
                }
            }
            count -= 1;
            while count >= 0 {
                codegen[out] = size;
                out += 1;
                self.codegen_freq[usize::from(size)] += 1;
                count -= 1;
            }
            size = next;
            count = 1;
        }
        codegen[out] = BAD_CODE;
    }

    fn write_block(&mut self, tokens: &mut Vec<Token>, eof: bool, input: Option<&[u8]>) {
        tokens.push(Token::EndBlock);
        let (num_literals, num_offsets) = self.index_tokens(tokens);
        let mut extra_bits = 0usize;
        let stored = input.filter(|i| i.len() <= MAX_STORE_BLOCK_SIZE).map(|i| (i.len() + 5) * 8);
        if stored.is_some() {
            // The first eight length codes and the first four offset codes have no extra bits.
            let lengths = self.literal_freq[..num_literals].iter().skip(LENGTH_CODES_START + 8);
            for (freq, extra) in lengths.zip(LENGTH_EXTRA_BITS.iter().skip(8)) {
                extra_bits += *freq as usize * usize::from(*extra);
            }
            for (freq, extra) in self.offset_freq[..num_offsets].iter().zip(OFFSET_EXTRA_BITS).skip(4) {
                extra_bits += *freq as usize * usize::from(extra);
            }
        }
        let fixed_size = 3
            + self.fixed_literal.bit_length(&self.literal_freq)
            + self.fixed_offset.bit_length(&self.offset_freq)
            + extra_bits;
        self.generate_codegen(num_literals, num_offsets);
        let codegen_freq = self.codegen_freq;
        self.codegen_encoding.generate(&codegen_freq, 7);
        let mut num_codegens = CODEGEN_CODE_COUNT;
        while num_codegens > 4 && self.codegen_freq[CODEGEN_ORDER[num_codegens - 1]] == 0 {
            num_codegens -= 1;
        }
        let header = 3
            + 5
            + 5
            + 4
            + 3 * num_codegens
            + self.codegen_encoding.bit_length(&self.codegen_freq)
            + self.codegen_freq[16] as usize * 2
            + self.codegen_freq[17] as usize * 3
            + self.codegen_freq[18] as usize * 7;
        let dynamic_size = header
            + self.literal_encoding.bit_length(&self.literal_freq)
            + self.offset_encoding.bit_length(&self.offset_freq)
            + extra_bits;
        let dynamic = dynamic_size < fixed_size;
        let size = fixed_size.min(dynamic_size);
        if let (Some(stored_size), Some(input)) = (stored, input)
            && stored_size < size
        {
            self.w.write_stored_header(input.len(), eof);
            self.w.flush();
            self.w.out.extend_from_slice(input);
            return;
        }
        if dynamic {
            self.w.write_bits(if eof { 5 } else { 4 }, 3);
            self.w.write_bits((num_literals - 257) as u32, 5);
            self.w.write_bits((num_offsets - 1) as u32, 5);
            self.w.write_bits((num_codegens - 4) as u32, 4);
            for order in CODEGEN_ORDER.iter().take(num_codegens) {
                self.w.write_bits(u32::from(self.codegen_encoding.codes[*order].len), 3);
            }
            let mut i = 0;
            loop {
                let word = self.codegen[i];
                i += 1;
                if word == BAD_CODE {
                    break;
                }
                self.w.write_code(self.codegen_encoding.codes[usize::from(word)]);
                let extra = match word {
                    16 => 2,
                    17 => 3,
                    18 => 7,
                    _ => 0,
                };
                if extra > 0 {
                    self.w.write_bits(u32::from(self.codegen[i]), extra);
                    i += 1;
                }
            }
        } else {
            self.w.write_bits(if eof { 3 } else { 2 }, 3);
        }
        let (lit, off) = if dynamic {
            (&self.literal_encoding.codes, &self.offset_encoding.codes)
        } else {
            (&self.fixed_literal.codes, &self.fixed_offset.codes)
        };
        for t in tokens.iter() {
            match *t {
                Token::Literal(b) => self.w.write_code(lit[usize::from(b)]),
                Token::EndBlock => self.w.write_code(lit[END_BLOCK]),
                Token::Match { length, offset } => {
                    let lc = length_code(length);
                    self.w.write_code(lit[lc + LENGTH_CODES_START]);
                    let extra = u32::from(LENGTH_EXTRA_BITS[lc]);
                    if extra > 0 {
                        self.w.write_bits(u32::from(length - LENGTH_BASE[lc]), extra);
                    }
                    let oc = offset_code(offset);
                    self.w.write_code(off[oc]);
                    let extra = u32::from(OFFSET_EXTRA_BITS[oc]);
                    if extra > 0 {
                        self.w.write_bits(offset - OFFSET_BASE[oc], extra);
                    }
                }
            }
        }
    }
}

struct Compressor {
    hw: HuffmanWriter,
    window: Vec<u8>,
    window_end: usize,
    block_start: usize,
    index: usize,
    hash_head: Vec<u32>,
    hash_prev: Vec<u32>,
    hash_offset: usize,
    chain_head: isize,
    length: usize,
    offset: usize,
    byte_available: bool,
    max_insert_index: isize,
    tokens: Vec<Token>,
    sync: bool,
}

impl Compressor {
    fn new() -> Compressor {
        Compressor {
            hw: HuffmanWriter::new(),
            window: vec![0; 2 * WINDOW_SIZE],
            window_end: 0,
            block_start: 0,
            index: 0,
            hash_head: vec![0; HASH_SIZE],
            hash_prev: vec![0; WINDOW_SIZE],
            hash_offset: 1,
            chain_head: -1,
            length: MIN_MATCH - 1,
            offset: 0,
            byte_available: false,
            max_insert_index: 0,
            tokens: Vec::with_capacity(MAX_FLATE_BLOCK_TOKENS + 1),
            sync: false,
        }
    }

    fn fill(&mut self, b: &[u8]) -> usize {
        if self.index >= 2 * WINDOW_SIZE - (MIN_MATCH + MAX_MATCH) {
            self.window.copy_within(WINDOW_SIZE..2 * WINDOW_SIZE, 0);
            self.index -= WINDOW_SIZE;
            self.window_end -= WINDOW_SIZE;
            self.block_start =
                if self.block_start >= WINDOW_SIZE { self.block_start - WINDOW_SIZE } else { usize::MAX };
            self.hash_offset += WINDOW_SIZE;
            if self.hash_offset > MAX_HASH_OFFSET {
                let delta = self.hash_offset - 1;
                self.hash_offset -= delta;
                self.chain_head -= delta as isize;
                for v in self.hash_prev.iter_mut().chain(self.hash_head.iter_mut()) {
                    *v = if *v as usize > delta { (*v as usize - delta) as u32 } else { 0 };
                }
            }
        }
        let n = b.len().min(self.window.len() - self.window_end);
        self.window[self.window_end..self.window_end + n].copy_from_slice(&b[..n]);
        self.window_end += n;
        n
    }

    fn write_block(&mut self, index: usize) {
        if index > 0 {
            let window = if self.block_start <= index { Some(&self.window[self.block_start..index]) } else { None };
            self.block_start = index;
            let mut tokens = std::mem::take(&mut self.tokens);
            self.hw.write_block(&mut tokens, false, window);
            tokens.clear();
            self.tokens = tokens;
        }
    }

    fn find_match(&self, pos: usize, prev_head: isize, prev_length: usize, lookahead: usize) -> Option<(usize, usize)> {
        let min_match_look = MAX_MATCH.min(lookahead);
        let win = &self.window[..pos + min_match_look];
        let nice = NICE.min(win.len() - pos);
        let mut tries = CHAIN;
        let mut length = prev_length;
        if length >= GOOD {
            tries >>= 2;
        }
        let mut w_end = win[pos + length];
        let w_pos = &win[pos..];
        let min_index = pos as isize - WINDOW_SIZE as isize;
        let mut found = None;
        let mut i = prev_head;
        while tries > 0 {
            let iu = i as usize;
            if w_end == win[iu + length] {
                let n = win[iu..iu + min_match_look].iter().zip(w_pos).take_while(|(a, b)| a == b).count();
                if n > length && (n > MIN_MATCH || pos - iu <= 4096) {
                    length = n;
                    found = Some((n, pos - iu));
                    if n >= nice {
                        break;
                    }
                    w_end = win[pos + n];
                }
            }
            if i <= min_index {
                break;
            }
            i = self.hash_prev[iu & WINDOW_MASK] as isize - self.hash_offset as isize;
            if i < min_index || i < 0 {
                break;
            }
            tries -= 1;
        }
        found
    }

    fn deflate(&mut self) {
        if self.window_end - self.index < MIN_MATCH + MAX_MATCH && !self.sync {
            return;
        }
        self.max_insert_index = self.window_end as isize - (MIN_MATCH as isize - 1);
        loop {
            let lookahead = self.window_end - self.index;
            if lookahead < MIN_MATCH + MAX_MATCH {
                if !self.sync {
                    break;
                }
                if lookahead == 0 {
                    if self.byte_available {
                        self.tokens.push(Token::Literal(self.window[self.index - 1]));
                        self.byte_available = false;
                    }
                    if !self.tokens.is_empty() {
                        self.write_block(self.index);
                    }
                    break;
                }
            }
            if (self.index as isize) < self.max_insert_index {
                let hash = hash4(&self.window[self.index..self.index + MIN_MATCH]);
                let hh = &mut self.hash_head[(hash & HASH_MASK) as usize];
                self.chain_head = *hh as isize;
                self.hash_prev[self.index & WINDOW_MASK] = self.chain_head as u32;
                *hh = (self.index + self.hash_offset) as u32;
            }
            let prev_length = self.length;
            let prev_offset = self.offset;
            self.length = MIN_MATCH - 1;
            self.offset = 0;
            let min_index = (self.index as isize - WINDOW_SIZE as isize).max(0);
            if self.chain_head - self.hash_offset as isize >= min_index
                && lookahead > prev_length
                && prev_length < LAZY
                && let Some((l, o)) =
                    self.find_match(self.index, self.chain_head - self.hash_offset as isize, MIN_MATCH - 1, lookahead)
            {
                self.length = l;
                self.offset = o;
            }
            if prev_length >= MIN_MATCH && self.length <= prev_length {
                self.tokens.push(Token::Match {
                    length: (prev_length - BASE_MATCH_LENGTH) as u16,
                    offset: (prev_offset - BASE_MATCH_OFFSET) as u32,
                });
                // Insert every string up to the end of the match into the hash table.
                let new_index = self.index + prev_length - 1;
                let mut index = self.index + 1;
                while index < new_index {
                    if (index as isize) < self.max_insert_index {
                        let hash = hash4(&self.window[index..index + MIN_MATCH]);
                        let hh = &mut self.hash_head[(hash & HASH_MASK) as usize];
                        self.hash_prev[index & WINDOW_MASK] = *hh;
                        *hh = (index + self.hash_offset) as u32;
                    }
                    index += 1;
                }
                self.index = index;
                self.byte_available = false;
                self.length = MIN_MATCH - 1;
                if self.tokens.len() == MAX_FLATE_BLOCK_TOKENS {
                    self.write_block(self.index);
                }
            } else {
                if self.byte_available {
                    let i = self.index - 1;
                    self.tokens.push(Token::Literal(self.window[i]));
                    if self.tokens.len() == MAX_FLATE_BLOCK_TOKENS {
                        self.write_block(i + 1);
                    }
                }
                self.index += 1;
                self.byte_available = true;
            }
        }
    }

    fn write(&mut self, mut b: &[u8]) {
        while !b.is_empty() {
            self.deflate();
            let n = self.fill(b);
            b = &b[n..];
        }
    }

    fn sync_flush(&mut self) {
        self.sync = true;
        self.deflate();
        self.hw.w.write_stored_header(0, false);
        self.hw.w.flush();
        self.sync = false;
    }

    fn close(mut self) -> Vec<u8> {
        self.sync = true;
        self.deflate();
        self.hw.w.write_stored_header(0, true);
        self.hw.w.flush();
        self.hw.w.out
    }
}

/// The gzip bytes Go's `gzip.Writer` makes at the default level for `data` written once,
/// flushed and closed, as Terraform's `base64gzip` does.
pub(super) fn gzip(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    let mut c = Compressor::new();
    c.write(data);
    c.sync_flush();
    out.extend(c.close());
    out.extend_from_slice(&crc32(data).to_le_bytes());
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out
}

/// CRC-32 (IEEE), which ends every gzip member.
fn crc32(data: &[u8]) -> u32 {
    let mut table = [0u32; 256];
    for (i, entry) in table.iter_mut().enumerate() {
        let mut c = i as u32;
        for _ in 0..8 {
            c = if c & 1 != 0 { 0xedb8_8320 ^ (c >> 1) } else { c >> 1 };
        }
        *entry = c;
    }
    !data.iter().fold(!0u32, |c, b| table[((c ^ u32::from(*b)) & 0xff) as usize] ^ (c >> 8))
}
