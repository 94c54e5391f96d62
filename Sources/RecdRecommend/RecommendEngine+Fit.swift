import COpenBLAS
import Foundation

/// Progress of the collaborative model fit, published in `stats`.
struct FitStatus: Sendable {
    var running = false
    var phase = "idle"
    var progress = 0.0
    var fits = 0
    var lastSeconds = 0.0
    var lastError: String?
    var lastFitEvents = 0
    var lastFitDate: Date?
}

extension RecommendEngine {
    /// Starts a background refit unless one is already running. Requests keep being served from
    /// the previous model until the new one is swapped in.
    public func startBackgroundFit() {
        fitLock.lock()
        if fitStatus.running { fitLock.unlock(); return }
        fitStatus.running = true
        fitLock.unlock()
        let thread = Thread { [self] in
            // The CPU share of the fit against request threads is set by its nice value and its
            // thread count (RANKING.md, "Fit"). who = 0 on Linux is the calling thread (nice is per
            // thread under NPTL); its OpenBLAS helper threads keep the nice value they were made with.
            #if os(Linux)
            if config.fitNice != 0 { _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, config.fitNice) }
            #endif
            runFit()
        }
        thread.name = "recd.ease-fit"
        thread.stackSize = 1 << 22
        thread.start()
    }

    /// Fits the collaborative model now, on the calling thread (waits for a running fit first).
    public func fitNow() throws {
        waitForFit()
        fitLock.lock()
        fitStatus.running = true
        fitLock.unlock()
        runFit()
        fitLock.lock()
        defer { fitLock.unlock() }
        if let e = fitStatus.lastError { throw RecommendError.modelFit(e) }
    }

    /// Blocks until no fit is running.
    public func waitForFit() {
        fitLock.lock()
        while fitStatus.running { fitLock.wait() }
        fitLock.unlock()
    }

    /// Fits at most every `refitIntervalSeconds` when events arrived since the last fit; call
    /// periodically (the daemon's timer).
    public func refitIfDue(now: Date = Date()) {
        let pending = lock.read { state.eventsSinceFit }
        guard pending > 0, config.refitIntervalSeconds > 0 else { return }
        fitLock.lock()
        let last = fitStatus.lastFitDate
        fitLock.unlock()
        if last == nil || now.timeIntervalSince(last!) >= config.refitIntervalSeconds || pending >= config.refitAfterEvents {
            startBackgroundFit()
        }
    }

    private func runFit() {
        let started = Date()
        let (rows, n, events) = lock.read { (state.trainingRows(), state.catalog.slotCount, state.totalEvents) }
        lock.write { state.eventsSinceFit = 0 }
        if n == 0 || rows.isEmpty {
            // Nothing to learn from yet (no items, or no positive feedback on catalog items).
            fitLock.lock()
            fitStatus.running = false
            fitStatus.lastFitDate = Date()
            fitLock.broadcast()
            fitLock.unlock()
            return
        }
        do {
            // OpenBLAS's thread count is process-wide: set it for the fit and put it back after, so
            // request-path BLAS calls keep their setting outside the fit.
            let blasThreads = openblas_get_num_threads()
            if config.fitThreads > 0 { openblas_set_num_threads(Int32(config.fitThreads)) }
            defer { if config.fitThreads > 0 { openblas_set_num_threads(blasThreads) } }
            let model = try EASEModel.fit(n: n, rows: rows, lambda: config.easeLambda,
                                          minItemUsers: config.easeMinItemUsers) { phase, fraction in
                fitLock.lock()
                fitStatus.phase = phase.rawValue
                fitStatus.progress = fraction
                fitLock.unlock()
            }
            // Swap under the write lock, but free the old n×n matrix (hundreds of MB) after releasing
            // it: unmapping that much memory takes long enough to stall every waiting request.
            let previous = lock.write { () -> EASEModel? in
                defer { state.model = model }
                return state.model
            }
            withExtendedLifetime(previous) {}
            let seconds = Date().timeIntervalSince(started)
            logger.info("EASE fitted: \(model.fittedItems) of \(n) items, \(rows.count) users, λ=\(config.easeLambda), \(String(format: "%.1f", seconds)) s")
            fitLock.lock()
            fitStatus.fits += 1
            fitStatus.lastSeconds = seconds
            fitStatus.lastError = nil
            fitStatus.lastFitEvents = events
        } catch {
            logger.error("EASE fit failed: \(error)")
            fitLock.lock()
            fitStatus.lastError = "\(error)"
        }
        fitStatus.running = false
        fitStatus.phase = "idle"
        fitStatus.lastFitDate = Date()
        fitLock.broadcast()
        fitLock.unlock()
    }

    /// Counters and fit progress for the stats endpoint (names are stable).
    public var stats: [String: Double] {
        var s = store.stats
        lock.read {
            s["catalog.items"] = Double(state.catalog.count)
            s["users"] = Double(state.profiles.count)
            s["events.total"] = Double(state.totalEvents)
            s["events.since_fit"] = Double(state.eventsSinceFit)
            s["model.items"] = Double(state.model?.n ?? 0)
            s["model.fitted_items"] = Double(state.model?.fittedItems ?? 0)
        }
        fitLock.lock()
        s["fit.running"] = fitStatus.running ? 1 : 0
        s["fit.progress"] = fitStatus.progress
        s["fit.count"] = Double(fitStatus.fits)
        s["fit.last_seconds"] = fitStatus.lastSeconds
        s["fit.failed"] = fitStatus.lastError == nil ? 0 : 1
        fitLock.unlock()
        return s
    }

    /// The current fit phase ("idle", "gram", "cholesky", "inverse", "finalize").
    public var fitPhase: String {
        fitLock.lock()
        defer { fitLock.unlock() }
        return fitStatus.phase
    }
}
