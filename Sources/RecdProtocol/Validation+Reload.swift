extension Validation {
    /// INTENTS_RELOAD: the daemon reloads only the file it was started with (`--intents`).
    ///
    /// A client cannot name a file: a path in a request would let any peer make recd open
    /// and parse a file of its choosing with the daemon's permissions, and echo parts of it
    /// back in error messages. The `path` field stays in the schema (wire compatibility) but
    /// MUST be empty; the alternative, an allow-listed directory, was rejected as more
    /// surface for no use the daemon has.
    public static func validate(_ r: Recd_V1_IntentsReloadRequest, limits: RequestLimits) throws(RequestError) {
        if !r.path.isEmpty {
            throw .badRequest("INTENTS_RELOAD path must be empty (found \(r.path.utf8.count) bytes): recd reloads only the intents file it was started with (--intents), never a path named over the socket")
        }
    }
}
