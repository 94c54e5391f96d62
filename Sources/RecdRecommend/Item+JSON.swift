import Foundation

extension Item {
    /// Parses one JSON object (one catalog JSONL line). Only `id` is required; `title` defaults to
    /// the id; `price` may be a number or a numeric string; `in_stock`/`inStock` default to true;
    /// attribute values that are not strings are stringified.
    public init(jsonObject: [String: Any]) throws {
        func string(_ keys: String...) -> String? {
            for k in keys {
                if let s = jsonObject[k] as? String { return s }
                if let n = jsonObject[k] as? NSNumber { return n.stringValue }
            }
            return nil
        }
        guard let id = string("id", "item_id"), !id.isEmpty else {
            throw RecommendError.invalidItem("item has no \"id\" field (expected a non-empty string); keys found: \(jsonObject.keys.sorted())")
        }
        var price: Double?
        if let n = jsonObject["price"] as? NSNumber { price = n.doubleValue }
        else if let s = jsonObject["price"] as? String {
            guard let d = Double(s.trimmingCharacters(in: .whitespaces)) else {
                throw RecommendError.invalidItem("item '\(id)': price must be a number, found \"\(s)\"")
            }
            price = d
        }
        var tags: [String] = []
        if let t = jsonObject["tags"] as? [Any] { tags = t.compactMap { $0 as? String } }
        else if let t = jsonObject["tags"] as? String { tags = t.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
        var attributes: [String: String] = [:]
        if let a = jsonObject["attributes"] as? [String: Any] {
            for (k, v) in a { attributes[k] = (v as? String) ?? "\(v)" }
        }
        var inStock = true
        if let b = (jsonObject["in_stock"] ?? jsonObject["inStock"]) as? Bool { inStock = b }
        self.init(id: id, title: string("title", "name") ?? id, description: string("description") ?? "",
                  category: string("category") ?? "", brand: string("brand") ?? "", price: price,
                  currency: string("currency") ?? "USD", tags: tags, attributes: attributes, inStock: inStock)
        try validate()
    }

    /// Parses a JSONL document (one item per non-empty line); errors name the line number.
    public static func parseJSONLines(_ text: String) throws -> [Item] {
        var items: [Item] = []
        var lineNumber = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.isEmpty { continue }
            let object: Any
            do { object = try JSONSerialization.jsonObject(with: Data(trimmed.utf8)) } catch {
                throw RecommendError.badCatalogLine(lineNumber, "not valid JSON (\(error.localizedDescription))")
            }
            guard let dict = object as? [String: Any] else {
                throw RecommendError.badCatalogLine(lineNumber, "expected a JSON object, found \(type(of: object))")
            }
            do { items.append(try Item(jsonObject: dict)) } catch let e as RecommendError {
                throw RecommendError.badCatalogLine(lineNumber, e.message)
            }
        }
        return items
    }

    /// Reads and parses a JSONL catalog file.
    public static func loadJSONLines(path: String) throws -> [Item] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw RecommendError.invalidItem("cannot read catalog file '\(path)': missing or unreadable")
        }
        return try parseJSONLines(String(decoding: data, as: UTF8.self))
    }

    /// The item as a JSON object, in the same shape `init(jsonObject:)` reads.
    public var jsonObject: [String: Any] {
        var o: [String: Any] = ["id": id, "title": title, "in_stock": inStock, "currency": currency]
        if !description.isEmpty { o["description"] = description }
        if !category.isEmpty { o["category"] = category }
        if !brand.isEmpty { o["brand"] = brand }
        if let price { o["price"] = price }
        if !tags.isEmpty { o["tags"] = tags }
        if !attributes.isEmpty { o["attributes"] = attributes }
        return o
    }
}
