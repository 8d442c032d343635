/// RFC 4180 records read from UTF-8 bytes handed over in chunks of any size (a file read piece by
/// piece, a request body): comma-separated, `"` opens a quoted field only at its start, `""` inside
/// quotes is one quote, CR is ignored outside quotes, LF ends a record; quoted fields may span lines.
/// A UTF-8 byte order mark at the start of the first field is dropped.
///
/// Nothing is decoded here: each record is handed to the caller as its fields' bytes, with the
/// physical line it starts on, and the buffers are reused for the next record.
struct CSVReader {
    struct Record {
        /// The physical line (1-based) the record starts on.
        var line: Int
        /// The fields' contents, one after another.
        var bytes: [UInt8] = []
        /// Where each field ends in `bytes`.
        var ends: [Int] = []

        var count: Int { ends.count }

        func range(_ field: Int) -> Range<Int> { (field == 0 ? 0 : ends[field - 1])..<ends[field] }

        /// The field's text (invalid UTF-8 is repaired; `CSVReader.isValidUTF8` says whether there was any).
        func string(_ field: Int) -> String {
            bytes.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[range(field)]), as: UTF8.self) }
        }
    }

    private enum State { case unquoted, quoted, quoteInQuoted }

    private var record = Record(line: 1)
    private var line = 1
    private var state = State.unquoted
    private var fieldStart = 0
    private var sawAny = false
    private var records = 0
    private var utf8 = UTF8Check()

    /// Whether every byte fed so far is well-formed UTF-8 (complete only after `finish`).
    var isValidUTF8: Bool { utf8.valid }
    /// How many records were handed over.
    var recordCount: Int { records }

    /// Reads `chunk`, handing over every record it completes.
    mutating func feed(_ chunk: UnsafeRawBufferPointer, _ onRecord: (Record) -> Void) {
        utf8.check(chunk)
        guard !chunk.isEmpty else { return }
        sawAny = true
        var i = chunk.startIndex
        while i < chunk.endIndex {
            let c = chunk[i]
            i += 1
            switch state {
            case .quoted:
                if c == UInt8(ascii: "\"") {
                    state = .quoteInQuoted
                } else {
                    if c == UInt8(ascii: "\n") { line += 1 }
                    record.bytes.append(c)
                }
            case .quoteInQuoted:
                if c == UInt8(ascii: "\"") {
                    record.bytes.append(c)
                    state = .quoted
                } else {
                    // The quote closed the field's quoted part; this byte is read as outside quotes.
                    state = .unquoted
                    i -= 1
                }
            case .unquoted:
                switch c {
                case UInt8(ascii: "\""):
                    if record.bytes.count == fieldStart { state = .quoted } else { record.bytes.append(c) }
                case UInt8(ascii: ","):
                    endField()
                case UInt8(ascii: "\r"):
                    break
                case UInt8(ascii: "\n"):
                    endField()
                    endRecord(onRecord)
                    line += 1
                    record.line = line
                default:
                    record.bytes.append(c)
                }
            }
        }
    }

    /// Hands over the last record when the input does not end with a line feed.
    mutating func finish(_ onRecord: (Record) -> Void) {
        utf8.finish()
        if state == .quoteInQuoted { state = .unquoted }
        if sawAny, !(record.ends.isEmpty && record.bytes.count == fieldStart) {
            endField()
            endRecord(onRecord)
        }
    }

    private mutating func endField() {
        record.ends.append(record.bytes.count)
        fieldStart = record.bytes.count
    }

    private mutating func endRecord(_ onRecord: (Record) -> Void) {
        if records == 0, record.bytes.starts(with: [0xEF, 0xBB, 0xBF]), record.ends[0] >= 3 {
            record.bytes.removeFirst(3)
            for i in record.ends.indices { record.ends[i] -= 3 }
        }
        records += 1
        defer {
            record.bytes.removeAll(keepingCapacity: true)
            record.ends.removeAll(keepingCapacity: true)
            fieldStart = 0
        }
        onRecord(record)
    }
}

/// Incremental UTF-8 well-formedness (the rules of `String(validating:as:)`: no overlong forms,
/// surrogates or scalars past U+10FFFF), across chunk boundaries.
struct UTF8Check {
    private(set) var valid = true
    /// Continuation bytes still expected, and the range the next one must fall in.
    private var pending = 0
    private var low: UInt8 = 0x80
    private var high: UInt8 = 0xBF

    mutating func check(_ bytes: UnsafeRawBufferPointer) {
        guard valid else { return }
        for b in bytes {
            if pending == 0 {
                if b < 0x80 { continue }
                switch b {
                case 0xC2...0xDF: pending = 1; low = 0x80; high = 0xBF
                case 0xE0: pending = 2; low = 0xA0; high = 0xBF
                case 0xE1...0xEC, 0xEE...0xEF: pending = 2; low = 0x80; high = 0xBF
                case 0xED: pending = 2; low = 0x80; high = 0x9F
                case 0xF0: pending = 3; low = 0x90; high = 0xBF
                case 0xF1...0xF3: pending = 3; low = 0x80; high = 0xBF
                case 0xF4: pending = 3; low = 0x80; high = 0x8F
                default: valid = false; return
                }
            } else {
                guard b >= low, b <= high else { valid = false; return }
                pending -= 1
                low = 0x80
                high = 0xBF
            }
        }
    }

    mutating func finish() {
        if pending != 0 { valid = false }
    }
}
