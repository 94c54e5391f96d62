/// The daemon's lifecycle as a pure state machine: initial → starting → running → draining → stopped.
///
/// Methods return the action the caller must perform, so the rules are testable without sockets;
/// the server logs every change.
public struct Lifecycle: Sendable {
    public enum State: String, Sendable {
        case initial, starting, running, draining, stopped
    }

    /// What the caller does after a transition.
    public enum Action: Equatable, Sendable {
        /// Bind the socket and start the worker pool.
        case bind
        /// Stop accepting; wait for in-flight requests.
        case stopAccepting
        /// Call the engines' shutdown hooks and release everything.
        case flushAndRelease
        /// Nothing to do (e.g. a second SIGTERM while draining).
        case none
    }

    /// A transition the current state does not allow.
    public struct TransitionError: Error, Equatable, Sendable, CustomStringConvertible {
        public let from: State
        public let event: String
        public var description: String { "cannot \(event) while \(from.rawValue)" }
    }

    public private(set) var state: State = .initial
    /// A stop request that arrived while starting, acted on by `bound()`.
    public private(set) var stopRequested = false

    public init() {}

    /// initial → starting; `.none` (nothing to start) when a stop request came first.
    public mutating func start() throws(TransitionError) -> Action {
        if state == .stopped && stopRequested { return .none }
        guard state == .initial else { throw TransitionError(from: state, event: "start") }
        state = .starting
        return .bind
    }

    /// starting → running, once the socket is bound; starting → draining (`.stopAccepting`) when a stop
    /// request arrived meanwhile: the socket may already have taken connections, so they are drained.
    public mutating func bound() throws(TransitionError) -> Action {
        guard state == .starting else { throw TransitionError(from: state, event: "finish starting") }
        if stopRequested {
            state = .draining
            return .stopAccepting
        }
        state = .running
        return .none
    }

    /// starting → stopped when binding failed, or when a stop request came before anything was bound.
    public mutating func startFailed() throws(TransitionError) -> Action {
        guard state == .starting else { throw TransitionError(from: state, event: "fail starting") }
        state = .stopped
        return .flushAndRelease
    }

    /// A stop request (signal). running → draining; initial → stopped (a later `start()` does nothing); while starting it is remembered
    /// and `bound()` drains (the starting thread owns the half-made server until then, so nothing is
    /// released under it); repeated while draining or stopped: no-op.
    public mutating func stop() -> Action {
        switch state {
        case .initial:
            state = .stopped
            stopRequested = true
            return .flushAndRelease
        case .starting:
            stopRequested = true
            return .none
        case .running:
            state = .draining
            return .stopAccepting
        case .draining, .stopped:
            return .none
        }
    }

    /// draining → stopped, once in-flight requests are done (or the drain timed out).
    public mutating func drained() throws(TransitionError) -> Action {
        guard state == .draining else { throw TransitionError(from: state, event: "finish draining") }
        state = .stopped
        return .flushAndRelease
    }

    /// True while new requests are accepted.
    public var acceptsRequests: Bool { state == .running }
}
