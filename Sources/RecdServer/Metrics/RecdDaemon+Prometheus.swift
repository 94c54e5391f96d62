import RecdModel
import RecdProtocol

extension RecdDaemon {
    /// Upper bounds of the `recd_request_duration_seconds` buckets, in seconds.
    public static let latencyBucketSeconds: [Double] = [
        0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
    ]
    static let latencyBucketMicros: [UInt64] = latencyBucketSeconds.map { UInt64(($0 * 1e6).rounded()) }

    /// Everything `/metrics` serves, in Prometheus text format 0.0.4 (names in `daemon/METRICS.md`).
    ///
    /// Takes the ``Metrics`` lock once, for a copy; the rest runs outside it. `extraGauges` is
    /// asked after the engines that conform to ``MetricsGaugeSource``.
    public func prometheusText(extraGauges: [MetricGauge] = []) -> String {
        let snap = metrics.snapshot(latencyBoundsMicros: Self.latencyBucketMicros)
        var w = PrometheusWriter()

        w.family("recd_requests_total", .counter, help: "Requests answered, by opcode (any status).")
        for op in snap.ops { w.sample("recd_requests_total", [("op", op.name)], op.requests) }

        w.family("recd_request_errors_total", .counter, help: "Requests answered with a status other than OK, by opcode and status.")
        for op in snap.ops {
            for (status, n) in op.errorsByStatus {
                w.sample("recd_request_errors_total", [("op", op.name), ("status", status.name)], n)
            }
        }

        w.family("recd_request_duration_seconds", .histogram,
                 help: "Time from a request's arrival to its reply being queued, by opcode (PING is not timed).")
        for op in snap.ops {
            w.histogram("recd_request_duration_seconds", [("op", op.name)], bounds: Self.latencyBucketSeconds,
                        cumulative: op.latencyCumulative, sum: Double(op.latencySumMicros) / 1e6, count: op.latencyCount)
        }

        w.family("recd_batch_size", .histogram, help: "Texts per encoder call (micro-batch size).")
        var running: UInt64 = 0
        let cumulative = snap.batchBounds.indices.map { i -> UInt64 in running += snap.batchCounts[i]; return running }
        w.histogram("recd_batch_size", bounds: snap.batchBounds.map { Double($0) }, cumulative: cumulative,
                    sum: Double(snap.batchTexts), count: snap.batchCounts.reduce(0, +))

        w.family("recd_queue_depth", .gauge, help: "Jobs waiting for a model worker.")
        w.sample("recd_queue_depth", Double(pool.depth))
        w.family("recd_queue_capacity", .gauge, help: "Jobs that may wait before new requests get BUSY (queue_capacity).")
        w.sample("recd_queue_capacity", Double(pool.capacity))
        w.family("recd_workers", .gauge, help: "Model worker threads.")
        w.sample("recd_workers", Double(configuration.workers))
        w.family("recd_connections", .gauge, help: "Open client connections.")
        w.sample("recd_connections", Double(snap.connections))
        w.family("recd_requests_in_flight", .gauge, help: "Requests received and not yet answered.")
        w.sample("recd_requests_in_flight", Double(shared.requestsInFlight))

        if let encoder = engines.encoder {
            let info = encoder.info
            w.family("recd_model_info", .gauge, help: "The served encoder; always 1.")
            w.sample("recd_model_info", [("name", info.name), ("precision", info.precision),
                                         ("dimension", String(info.dimension))], 1.0)
            if let model = encoder as? ModelTextEncoder {
                w.family("recd_model_load_seconds", .gauge, help: "Time taken to load and unpack the weights file at start.")
                w.sample("recd_model_load_seconds", model.encoder.model.loadMilliseconds / 1000)
            }
        }

        w.family("recd_process_resident_memory_bytes", .gauge, help: "Resident set size of the recd process.")
        w.sample("recd_process_resident_memory_bytes", Metrics.residentBytes())
        w.family("recd_uptime_seconds", .gauge, help: "Seconds since the daemon started.")
        w.sample("recd_uptime_seconds", snap.uptimeSeconds)

        writeEngineGauges(&w, extra: extraGauges)
        return w.text
    }

    /// Gauges from engines: typed ones through ``MetricsGaugeSource``, the rest from numeric STATS extras.
    private func writeEngineGauges(_ w: inout PrometheusWriter, extra: [MetricGauge]) {
        var gauges: [MetricGauge] = []
        var extras: [(String, Double)] = []
        for engine in engines.lifecycles {
            if let source = engine as? any MetricsGaugeSource {
                gauges += source.metricGauges()
            } else {
                for (key, value) in engine.statsExtras() {
                    if let d = Double(value) { extras.append((key, d)) }
                }
            }
        }
        gauges += extra
        // Group by name: the format wants each family's samples together, once.
        var order: [String] = []
        var byName: [String: [MetricGauge]] = [:]
        for g in gauges {
            guard PrometheusWriter.isValidName(g.name),
                  g.labels.allSatisfy({ PrometheusWriter.isValidName($0.0) }) else {
                w.family("recd_metrics_dropped_gauge", .gauge, help: "Engine gauges dropped for an invalid metric or label name.")
                w.sample("recd_metrics_dropped_gauge", [("name", g.name)], 1.0)
                continue
            }
            if byName[g.name] == nil { order.append(g.name) }
            byName[g.name, default: []].append(g)
        }
        for name in order {
            guard let group = byName[name], w.family(name, .gauge, help: group[0].help) else { continue }
            for g in group { w.sample(g.name, g.labels, g.value) }
        }
        if !extras.isEmpty {
            w.family("recd_engine_extra", .gauge, help: "Numeric STATS extras of engines without typed gauges, by key.")
            for (key, value) in extras.sorted(by: { $0.0 < $1.0 }) { w.sample("recd_engine_extra", [("key", key)], value) }
        }
    }
}
