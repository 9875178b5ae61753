//! Terraform's canonical layout of HCL (`terraform fmt`), re-done on the text so that every
//! comment and every byte of a value stays as written: two spaces of indent per open bracket,
//! the `=` of consecutive one-line arguments aligned, trailing comments of consecutive lines
//! aligned, trailing spaces removed. It follows the rules of Terraform's formatter (hclwrite's
//! `format.go`: lines, their net bracket count, their `=` and comment cells); unlike it, it does
//! not re-space tokens inside a line (`a=[1 ,2]` keeps its inner spacing; only the space around
//! the aligned `=` is made canonical).

/// One line of the file as the formatter sees it: a heredoc or a block comment spanning lines
/// belongs to the line it starts on, and is never re-indented.
#[derive(Debug, Default)]
struct Line {
    /// The text before the aligned `=` (or the whole line), without its indent.
    lead: String,
    /// From the `=` of a one-line argument to the end (without a trailing comment).
    assign: Option<String>,
    /// A comment ending the line after other content.
    comment: Option<String>,
    /// The net change in open brackets over the line (up to a heredoc's start).
    net: i32,
}

/// Formats a whole `.tf` or `.tfvars` file.
pub fn format(src: &str) -> String {
    let lines: Vec<Line> = split(src).iter().map(|l| analyse(l)).collect::<Vec<Line>>();
    let indents = indents(&lines);
    let mut out: Vec<String> = vec![];
    // `=` alignment: runs of consecutive lines with an `=` cell.
    let mut lead_width = vec![0usize; lines.len()];
    let mut i = 0;
    while i < lines.len() {
        if lines[i].assign.is_none() {
            i += 1;
            continue;
        }
        let start = i;
        while i < lines.len() && lines[i].assign.is_some() {
            i += 1;
        }
        let w = (start..i).map(|j| indents[j] + width(&lines[j].lead)).max().unwrap_or(0);
        for (j, lw) in lead_width.iter_mut().enumerate().take(i).skip(start) {
            *lw = w - indents[j];
        }
    }
    for (j, l) in lines.iter().enumerate() {
        let mut s = String::new();
        if !l.lead.is_empty() || l.assign.is_some() || l.comment.is_some() {
            s.push_str(&" ".repeat(indents[j]));
        }
        s.push_str(&l.lead);
        if let Some(a) = &l.assign {
            let pad = lead_width[j].saturating_sub(width(&l.lead)) + 1;
            s.push_str(&" ".repeat(pad));
            s.push_str(a);
        }
        out.push(s);
    }
    // Trailing comments: runs of consecutive lines that have one.
    let mut i = 0;
    while i < lines.len() {
        if lines[i].comment.is_none() {
            i += 1;
            continue;
        }
        let start = i;
        while i < lines.len() && lines[i].comment.is_some() {
            i += 1;
        }
        let w = (start..i).map(|j| width(&out[j])).max().unwrap_or(0);
        for (j, line) in out.iter_mut().enumerate().take(i).skip(start) {
            let pad = w - width(line) + 1;
            line.push_str(&" ".repeat(pad));
            line.push_str(lines[j].comment.as_deref().unwrap_or_default());
        }
    }
    out.join("\n")
}

fn width(s: &str) -> usize {
    s.chars().count()
}

/// hclwrite's indent: a line with more openers than closers indents what follows by one level
/// (remembering how many it opened); closers give levels back.
fn indents(lines: &[Line]) -> Vec<usize> {
    let mut stack: Vec<i32> = vec![];
    let mut out = vec![];
    for l in lines {
        if l.net < 0 {
            let mut closed = -l.net;
            while closed > 0 {
                let Some(top) = stack.last_mut() else { break };
                if closed >= *top {
                    closed -= *top;
                    stack.pop();
                } else {
                    *top -= closed;
                    closed = 0;
                }
            }
        }
        out.push(2 * stack.len());
        if l.net > 0 {
            stack.push(l.net);
        }
    }
    out
}

/// Splits the file into lines, keeping a heredoc (up to its closing marker) or a block comment
/// that spans lines within the line it starts on.
fn split(src: &str) -> Vec<String> {
    let mut out = vec![];
    let mut cur = String::new();
    let chars: Vec<char> = src.chars().collect();
    let mut i = 0;
    // Inside a quoted string: the stack of `${`/`%{` depths (brace counts) opened within it.
    let mut in_string = false;
    let mut interp: Vec<i32> = vec![];
    let mut heredoc: Option<String> = None;
    while i < chars.len() {
        let c = chars[i];
        if let Some(marker) = &heredoc {
            cur.push(c);
            if c == '\n' {
                // Is the next line the closing marker?
                let rest: String = chars[i + 1..].iter().take_while(|c| **c != '\n').collect();
                if rest.trim() == marker {
                    cur.push_str(&rest);
                    i += 1 + rest.chars().count();
                    heredoc = None;
                    continue;
                }
            }
            i += 1;
            continue;
        }
        if in_string && interp.is_empty() {
            cur.push(c);
            if c == '\\' && i + 1 < chars.len() {
                cur.push(chars[i + 1]);
                i += 2;
                continue;
            }
            if (c == '$' || c == '%') && chars.get(i + 1) == Some(&'{') {
                if chars.get(i + 2) == Some(&c) {
                    // `$${` is a literal `${`.
                } else {
                    cur.push('{');
                    interp.push(1);
                    i += 2;
                    continue;
                }
            }
            if c == '"' {
                in_string = false;
            }
            i += 1;
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                cur.push(c);
            }
            '{' if in_string => {
                if let Some(d) = interp.last_mut() {
                    *d += 1;
                }
                cur.push(c);
            }
            '}' if in_string => {
                if let Some(d) = interp.last_mut() {
                    *d -= 1;
                    if *d == 0 {
                        interp.pop();
                    }
                }
                cur.push(c);
            }
            '#' => {
                let rest: String = chars[i..].iter().take_while(|c| **c != '\n').collect();
                i += rest.chars().count();
                cur.push_str(&rest);
                continue;
            }
            '/' if chars.get(i + 1) == Some(&'/') => {
                let rest: String = chars[i..].iter().take_while(|c| **c != '\n').collect();
                i += rest.chars().count();
                cur.push_str(&rest);
                continue;
            }
            '/' if chars.get(i + 1) == Some(&'*') => {
                let mut j = i + 2;
                while j + 1 < chars.len() && !(chars[j] == '*' && chars[j + 1] == '/') {
                    j += 1;
                }
                let end = (j + 2).min(chars.len());
                cur.extend(&chars[i..end]);
                i = end;
                continue;
            }
            '<' if chars.get(i + 1) == Some(&'<') => {
                let mut j = i + 2;
                if chars.get(j) == Some(&'-') {
                    j += 1;
                }
                let marker: String =
                    chars[j..].iter().take_while(|c| c.is_ascii_alphanumeric() || **c == '_').collect();
                if !marker.is_empty() {
                    let rest_of_line: String = chars[i..].iter().take_while(|c| **c != '\n').collect();
                    cur.push_str(&rest_of_line);
                    i += rest_of_line.chars().count();
                    heredoc = Some(marker);
                    continue;
                }
                cur.push(c);
            }
            '\n' => {
                out.push(std::mem::take(&mut cur));
            }
            _ => cur.push(c),
        }
        i += 1;
    }
    out.push(cur);
    out
}

/// The cells and bracket count of one line.
fn analyse(raw: &str) -> Line {
    let text = raw.trim_start_matches([' ', '\t', '\r']);
    // Only the first physical line of a heredoc or block comment may be touched.
    let (first, tail) = match text.find('\n') {
        Some(n) => (&text[..n], Some(&text[n..])),
        None => (text, None),
    };
    let first = if tail.is_none() { first.trim_end_matches([' ', '\t', '\r']) } else { first };
    let toks = scan(first);
    let mut line = Line { net: toks.net, ..Default::default() };
    let (mut body, comment) = match toks.comment_at {
        Some(p) if p > 0 && tail.is_none() => (first[..p].trim_end().to_string(), Some(first[p..].to_string())),
        _ => (first.to_string(), None),
    };
    line.comment = comment;
    if let Some(rest) = tail {
        body.push_str(rest.trim_end_matches([' ', '\t', '\r']));
    }
    if let Some(eq) = toks.first_equal.filter(|&p| p > 0 && toks.net_from_equal == 0) {
        let lead = body[..eq].trim_end().to_string();
        if !lead.is_empty() {
            let rhs = body[eq + 1..].trim_start();
            line.assign = Some(if rhs.is_empty() { "=".to_string() } else { format!("= {rhs}") });
            line.lead = lead;
            return line;
        }
    }
    // A line whose `=` opens a multi-line value (`tags = {`) is not aligned, but its `=` is
    // spaced as Terraform spaces it.
    if let Some(eq) = toks.first_equal.filter(|&p| p > 0) {
        let lead = body[..eq].trim_end();
        if !lead.is_empty() {
            body = format!("{lead} = {}", body[eq + 1..].trim_start());
        }
    }
    line.lead = body;
    line
}

struct Scan {
    net: i32,
    /// Byte offset of the first `=` that is an assignment (not `==`, `!=`, `<=`, `>=`, `=>`).
    first_equal: Option<usize>,
    /// The net bracket count from that `=` to the end of the line.
    net_from_equal: i32,
    /// Byte offset of a comment that ends the line.
    comment_at: Option<usize>,
}

/// Counts brackets outside strings (a template's `${` and its `}` count, as in hclwrite) up to a
/// heredoc's start, and finds the first `=` and a trailing comment.
fn scan(s: &str) -> Scan {
    let b: Vec<(usize, char)> = s.char_indices().collect();
    let mut out = Scan { net: 0, first_equal: None, net_from_equal: 0, comment_at: None };
    let mut in_string = false;
    let mut interp: Vec<i32> = vec![];
    let mut i = 0;
    let bump = |out: &mut Scan, d: i32| {
        out.net += d;
        if out.first_equal.is_some() {
            out.net_from_equal += d;
        }
    };
    while i < b.len() {
        let (pos, c) = b[i];
        let next = b.get(i + 1).map(|x| x.1);
        if in_string && interp.is_empty() {
            match c {
                '\\' => i += 1,
                '"' => in_string = false,
                '$' | '%' if next == Some('{') && b.get(i + 2).map(|x| x.1) != Some(c) => {
                    interp.push(1);
                    bump(&mut out, 1);
                    i += 1;
                }
                _ => {}
            }
            i += 1;
            continue;
        }
        match c {
            '"' => in_string = true,
            '#' => {
                out.comment_at = Some(pos);
                break;
            }
            '/' if next == Some('/') => {
                out.comment_at = Some(pos);
                break;
            }
            '/' if next == Some('*') => {
                let rest = &s[pos..];
                match rest.find("*/") {
                    Some(end) if pos + end + 2 >= s.trim_end().len() => {
                        out.comment_at = Some(pos);
                        break;
                    }
                    Some(end) => {
                        let skip = rest[..end + 2].chars().count();
                        i += skip;
                        continue;
                    }
                    None => {
                        out.comment_at = Some(pos);
                        break;
                    }
                }
            }
            '<' if next == Some('<') => {
                let after: String = s[pos + 2..].chars().skip_while(|c| *c == '-').take(1).collect();
                if after.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_') {
                    break;
                }
            }
            '{' | '[' | '(' => {
                if c == '{'
                    && let Some(d) = interp.last_mut()
                {
                    *d += 1;
                }
                bump(&mut out, 1);
            }
            '}' | ']' | ')' => {
                if c == '}'
                    && let Some(d) = interp.last_mut()
                {
                    *d -= 1;
                    if *d == 0 {
                        interp.pop();
                        in_string = true;
                    }
                }
                bump(&mut out, -1);
            }
            '=' => {
                let prev = if i > 0 { Some(b[i - 1].1) } else { None };
                let compound = matches!(next, Some('=') | Some('>')) || matches!(prev, Some('=' | '!' | '<' | '>'));
                if !compound && out.first_equal.is_none() {
                    out.first_equal = Some(pos);
                }
            }
            _ => {}
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::format;

    #[test]
    fn indents_and_aligns_like_terraform() {
        let src = "resource \"aws_vpc\" \"main\" {\ncidr_block=\"10.0.0.0/16\" # the range\n   enable_dns_hostnames = true   // on\n\ntags = {\nName = \"x\"\n\"kubernetes.io/role\" = \"1\"\n}\n}\n";
        let want = "resource \"aws_vpc\" \"main\" {\n  cidr_block           = \"10.0.0.0/16\" # the range\n  enable_dns_hostnames = true          // on\n\n  tags = {\n    Name                 = \"x\"\n    \"kubernetes.io/role\" = \"1\"\n  }\n}\n";
        assert_eq!(format(src), want);
        assert_eq!(format(want), want, "formatting is idempotent");
    }

    #[test]
    fn heredocs_strings_and_block_comments_are_left_as_written() {
        // As `terraform fmt` does it: the heredoc's line takes part in the alignment, its body
        // and closing marker stay as written.
        let src = "locals {\n  policy = <<-EOF\n      {\"a\" = [\n  EOF\n  s = \"{ [ ( ${var.x} = \"\n  /* a\n     b { */\n  n = 1\n}\n";
        let want = "locals {\n  policy = <<-EOF\n      {\"a\" = [\n  EOF\n  s      = \"{ [ ( ${var.x} = \"\n  /* a\n     b { */\n  n = 1\n}\n";
        assert_eq!(format(src), want);
        assert_eq!(format(want), want);
    }

    #[test]
    fn a_multi_line_value_ends_an_alignment_run() {
        let src = "x {\n  a = 1\n  bbb=[\n    1,\n  ]\n  cc = 2\n  d = 3\n}\n";
        let want = "x {\n  a = 1\n  bbb = [\n    1,\n  ]\n  cc = 2\n  d  = 3\n}\n";
        assert_eq!(format(src), want);
    }
}
