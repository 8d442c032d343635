import Foundation
import Logging
import Testing

@testable import PlanPortal

/// `LOG_FORMAT=json`: what a log collector parses, one object per line.
@Suite struct JSONLogHandlerTests {
    @Test func anEventIsOneJSONObjectOnOneLine() throws {
        let event = LogEvent(
            level: .warning, message: "outbox poll failed\nsecond line",
            metadata: ["plan": "uoft", "request_id": "from-event", "attempts": .stringConvertible(3), "path": ["a", "b"], "peer": ["ip": "203.0.113.9"]],
            source: "PlanPortal", file: #fileID, function: #function, line: #line
        )
        let data = try #require(JSONLogHandler.line(
            label: "planportal", metadata: ["request_id": "from-handler", "replica": "r1"], event: event,
            at: Date(timeIntervalSince1970: 1_800_000_000)
        ))
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.hasSuffix("\n") && text.filter { $0 == "\n" }.count == 1, "one line, even for a message with a newline: \(text)")
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["ts"] as? String == "2027-01-15T08:00:00Z")
        #expect(object["level"] as? String == "warning")
        #expect(object["label"] as? String == "planportal")
        #expect(object["msg"] as? String == "outbox poll failed\nsecond line")
        #expect(object["request_id"] as? String == "from-event", "the event's metadata wins over the handler's")
        #expect(object["replica"] as? String == "r1")
        #expect(object["attempts"] as? String == "3")
        #expect(object["path"] as? [String] == ["a", "b"])
        #expect((object["peer"] as? [String: String]) == ["ip": "203.0.113.9"])
        #expect(Set(object.keys) == ["ts", "level", "label", "msg", "plan", "request_id", "replica", "attempts", "path", "peer"])
    }
}
