import Dispatch

/// A raw pointer that may cross into `DispatchQueue.concurrentPerform`'s `@Sendable` closure.
///
/// Safe only under the reference backend's discipline: every task writes a disjoint set of
/// units, and the buffer outlives the parallel loop (SWIFT-OPENCL-NOTES traps 4 and 9: capturing
/// arrays in the closure is both non-Sendable and ~9x slower than indexing a pointer).
public struct SendableMutablePointer<Element>: @unchecked Sendable {
    public let base: UnsafeMutablePointer<Element>
    @inlinable public init(_ base: UnsafeMutablePointer<Element>) { self.base = base }
    @inlinable public subscript(i: Int) -> Element {
        get { base[i] }
        nonmutating set { base[i] = newValue }
    }
}

/// Read-only counterpart of `SendableMutablePointer`.
public struct SendablePointer<Element>: @unchecked Sendable {
    public let base: UnsafePointer<Element>
    @inlinable public init(_ base: UnsafePointer<Element>) { self.base = base }
    @inlinable public subscript(i: Int) -> Element { base[i] }
}

/// Runs independent work items (HBV units or cells) in parallel, in contiguous chunks.
///
/// Chunks, not single items, so each task amortises its scratch allocation (e.g. an adjoint's
/// stored trajectory) over many items, and neighbouring items share cache lines within one task.
public enum UnitParallel {
    /// Calls `body(range, chunkIndex)` for contiguous sub-ranges covering `0..<count`, in parallel.
    ///
    /// The number of chunks is about four per active processor (load balance for units of
    /// unequal cost), but no chunk is smaller than `minimumChunk`. With one chunk the body runs
    /// on the calling thread.
    public static func forEachChunk(count: Int, minimumChunk: Int = 16,
                                    _ body: @Sendable (Range<Int>) -> Void) {
        guard count > 0 else { return }
        let processors = max(1, ProcessInfoShim.activeProcessorCount)
        let chunkSize = max(minimumChunk, (count + 4 * processors - 1) / (4 * processors))
        let chunks = (count + chunkSize - 1) / chunkSize
        if chunks == 1 {
            body(0..<count)
            return
        }
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            let start = chunk * chunkSize
            body(start..<min(count, start + chunkSize))
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The processor count without importing Foundation into the hot-path module.
enum ProcessInfoShim {
    static let activeProcessorCount: Int = {
        #if canImport(Glibc) || canImport(Darwin)
        let n = sysconf(Int32(_SC_NPROCESSORS_ONLN))
        return n > 0 ? Int(n) : 1
        #else
        return 1
        #endif
    }()
}
