import Foundation

// The claim lists write their own JSON (`JSONWritable`): the bytes `JSONCoding.encoder` writes
// for the same values, keys in sorted order (`ClaimJSONTests` compares the two).

extension ClaimSummary: JSONWritable {
    func write(to json: inout JSONWriter) {
        json.raw("{")
        writeMembers(to: &json, certificateNumber: nil)
        json.raw("}")
    }

    /// The members, without braces; `certificateNumber` goes in its sorted place when given.
    func writeMembers(to json: inout JSONWriter, certificateNumber: String?) {
        json.raw("\"amountCents\":")
        json.int(amountCents)
        json.raw(",\"approvedAmountCents\":")
        json.int(approvedAmountCents)
        json.raw(",\"category\":")
        json.string(category)
        if let certificateNumber {
            json.raw(",\"certificateNumber\":")
            json.string(certificateNumber)
        }
        json.raw(",\"currency\":")
        json.string(currency)
        json.raw(",\"id\":")
        json.uuid(id)
        json.raw(",\"patient\":")
        json.string(patient)
        json.raw(",\"providerName\":")
        json.string(providerName)
        json.raw(",\"serviceDate\":")
        json.string(serviceDate)
        json.raw(",\"status\":")
        json.string(status.rawValue)
        json.raw(",\"submittedAt\":")
        json.date(submittedAt)
        json.raw(",\"updatedAt\":")
        json.date(updatedAt)
    }
}

extension AdminClaimSummary: JSONWritable {
    func write(to json: inout JSONWriter) {
        json.raw("{")
        summary.writeMembers(to: &json, certificateNumber: certificateNumber)
        json.raw("}")
    }
}

extension ClaimPage: JSONWritable where Item: JSONWritable {
    func write(to json: inout JSONWriter) {
        json.raw("{")
        json.raw("\"items\":")
        json.array(items)
        json.raw(",\"nextCursor\":")
        json.string(nextCursor)
        json.raw("}")
    }
}
