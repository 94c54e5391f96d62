import CDNNL

/// The process-wide oneDNN CPU engine and small helpers over oneDNN's C API.
///
/// One engine for the process: a CPU engine is stateless apart from its ISA dispatch, and oneDNN
/// documents engines as safe to share between threads. Streams are not shared: each `Int8Scratch`
/// (one per worker thread) owns its own.
enum DNNL {
    /// `@unchecked Sendable`: oneDNN engines may be used from any thread; this one is never destroyed.
    final class Engine: @unchecked Sendable {
        let handle: dnnl_engine_t?
        let error: String?
        init() {
            var e: dnnl_engine_t?
            let s = dnnl_engine_create(&e, dnnl_cpu, 0)
            handle = s == dnnl_success ? e : nil
            error = s == dnnl_success ? nil : "dnnl_engine_create(cpu) returned \(DNNL.name(s))"
        }
    }

    /// The CPU engine (created on first use).
    static let engine = Engine()

    /// The engine, or an error naming why it could not be created.
    static func cpuEngine() throws -> dnnl_engine_t {
        guard let e = engine.handle else { throw ModelError(.int8Failed, engine.error ?? "oneDNN engine unavailable") }
        return e
    }

    /// Throws `.int8Failed` naming the call when `status` is not success.
    static func check(_ status: dnnl_status_t, _ what: @autoclosure () -> String) throws {
        guard status == dnnl_success else {
            throw ModelError(.int8Failed, "oneDNN: \(what()) returned \(name(status))")
        }
    }

    /// A readable name for a oneDNN status.
    static func name(_ s: dnnl_status_t) -> String {
        switch s {
        case dnnl_success: return "success"
        case dnnl_out_of_memory: return "out_of_memory"
        case dnnl_invalid_arguments: return "invalid_arguments"
        case dnnl_unimplemented: return "unimplemented (no implementation for these shapes/types on this CPU)"
        case dnnl_iterator_ends: return "iterator_ends"
        case dnnl_runtime_error: return "runtime_error"
        case dnnl_not_required: return "not_required"
        default: return "status \(s.rawValue)"
        }
    }

    /// A plain row-major 2-D memory descriptor [rows, cols] (tag `ab`), or `ba` for [cols-major].
    static func plain(rows: Int, cols: Int, _ type: dnnl_data_type_t, transposed: Bool = false) throws -> dnnl_memory_desc_t {
        var md = dnnl_memory_desc_t()
        let dims: [dnnl_dim_t] = [dnnl_dim_t(rows), dnnl_dim_t(cols)]
        try check(dnnl_memory_desc_init_by_tag(&md, 2, dims, type, transposed ? dnnl_ba : dnnl_ab),
                  "dnnl_memory_desc_init_by_tag([\(rows), \(cols)])")
        return md
    }

    /// A memory object over caller-owned bytes (`dnnl_memory_create`); the caller keeps `data` alive.
    static func memory(_ md: dnnl_memory_desc_t, data: UnsafeMutableRawPointer) throws -> dnnl_memory_t {
        var m: dnnl_memory_t?
        var desc = md
        try check(dnnl_memory_create(&m, &desc, try cpuEngine(), data), "dnnl_memory_create")
        return m!
    }
}
