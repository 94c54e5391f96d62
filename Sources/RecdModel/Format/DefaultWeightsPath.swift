import Foundation

/// Where tools look for the packed weights file when none is named: `$RECD_WEIGHTS`, else
/// `~/.cache/recd/all-MiniLM-L6-v2.recd` (what `make model` writes).
public enum DefaultWeightsPath {
    public static var path: String {
        if let w = ProcessInfo.processInfo.environment["RECD_WEIGHTS"], !w.isEmpty { return w }
        return NSHomeDirectory() + "/.cache/recd/all-MiniLM-L6-v2.recd"
    }
}
