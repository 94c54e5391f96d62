import Foundation

extension IntentSet {
    /// Reads an intents file (JSON Lines; see INTENTS.md). Each non-blank line is either an intent
    /// line `{"intent", "description"?, "examples"?: [..]}` or an example line `{"text", "intent"}`
    /// (the evaluation format; `"oos"` = out of scope). Lines starting with `#` are comments.
    public static func load(contentsOf url: URL) throws -> IntentSet {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw IntentError.io("cannot read intents file \(url.path): \(error.localizedDescription)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw IntentError.invalidIntentsFile("intents file \(url.path): expected UTF-8 text, found invalid bytes")
        }
        return try parse(jsonLines: text, source: url.path)
    }

    /// Parses the intents-file format from a string; `source` names it in error messages.
    public static func parse(jsonLines text: String, source: String = "<string>") throws -> IntentSet {
        var defs: [IntentDefinition] = []
        var examples: [IntentExample] = []
        var lineNumber = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let line = rawLine.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let where_ = "\(source):\(lineNumber)"
            let object: Any
            do { object = try JSONSerialization.jsonObject(with: Data(line.utf8)) } catch {
                throw IntentError.invalidIntentsFile("\(where_): expected one JSON object per line, found invalid JSON")
            }
            guard let dict = object as? [String: Any] else {
                throw IntentError.invalidIntentsFile("\(where_): expected a JSON object, found \(type(of: object))")
            }
            guard let intent = dict["intent"] as? String, !intent.isEmpty else {
                throw IntentError.invalidIntentsFile("\(where_): expected a non-empty string field \"intent\"")
            }
            if let t = dict["text"] {
                guard let t = t as? String, !t.trimmingCharacters(in: .whitespaces).isEmpty else {
                    throw IntentError.invalidIntentsFile("\(where_): expected \"text\" to be a non-empty string")
                }
                examples.append(IntentExample(text: t, intent: intent))
                continue
            }
            let description = dict["description"] as? String ?? ""
            if intent != outOfScope { defs.append(IntentDefinition(name: intent, description: description)) }
            if let list = dict["examples"] {
                guard let list = list as? [Any] else {
                    throw IntentError.invalidIntentsFile("\(where_): expected \"examples\" to be an array of strings")
                }
                for (i, item) in list.enumerated() {
                    guard let s = item as? String, !s.trimmingCharacters(in: .whitespaces).isEmpty else {
                        throw IntentError.invalidIntentsFile("\(where_): examples[\(i)] of intent \"\(intent)\": expected a non-empty string")
                    }
                    examples.append(IntentExample(text: s, intent: intent))
                }
            }
        }
        if examples.isEmpty {
            throw IntentError.invalidIntentsFile("\(source): expected at least one example, found none")
        }
        return IntentSet(intents: defs, examples: examples)
    }
}
