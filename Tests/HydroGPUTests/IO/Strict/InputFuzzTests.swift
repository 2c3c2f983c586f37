import Foundation
import HydroGPU
import Testing

/// Seeded, time-bounded fuzzing of the readers over the small Lez inputs (data/lez): every
/// mutated file is either refused with an `InputError` naming a file or read; nothing traps;
/// and a mutated flow-direction grid that is accepted gives exactly the network its tokens
/// say (checked against an independent tokenisation), so no mutation changes the drainage
/// network silently. The seed is fixed, so a failure repeats; each reader stops after
/// `iterations` mutations or `budget`, whichever comes first (CI time stays bounded; one
/// NetCDF mutation that declares a 5 GB attribute takes netCDF-C itself about 15 s to refuse).
@Suite("Input fuzzing", .serialized)
struct InputFuzzTests {
    static let seed: UInt64 = 0x4879_6472_6f47_5055
    static let budget: Duration = .seconds(8)

    /// SplitMix64: small, seedable, the same sequence on every platform.
    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// Runs `body` for up to `iterations` seeded mutations within the time budget; returns
    /// (accepted, refused).
    static func fuzz(_ name: String, iterations: Int, _ body: (inout SeededGenerator, Int) throws -> Bool) rethrows -> (Int, Int) {
        var rng = SeededGenerator(state: seed ^ UInt64(truncatingIfNeeded: name.hashValueStable))
        let clock = ContinuousClock(), start = clock.now
        var accepted = 0, refused = 0
        for i in 0..<iterations where clock.now - start < budget {
            if try body(&rng, i) { accepted += 1 } else { refused += 1 }
        }
        return (accepted, refused)
    }

    static let garbage = ["nan", "NaN", "abc", ":", "", "1.5", "-1", "256", "1e309", "0x10", "+4", "4.0", "inf", "-0", "1e2", "３", "--", "1,2",
                          "9999999999999999999999", "-9999", "0", "\u{00A0}", "\t", "1e-400", ".", "4e0", "nodata"]

    /// Mutations of a text made of lines of tokens (grids, CSV, YAML).
    static func mutate(_ text: String, separator: Character, _ rng: inout SeededGenerator) -> String {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        for _ in 0..<Int.random(in: 1...3, using: &rng) {
            guard !lines.isEmpty else { break }
            let l = Int.random(in: 0..<lines.count, using: &rng)
            var tokens = lines[l].split(separator: separator, omittingEmptySubsequences: false).map(String.init)
            switch Int.random(in: 0..<10, using: &rng) {
            case 0, 1:
                if !tokens.isEmpty { tokens[Int.random(in: 0..<tokens.count, using: &rng)] = garbage.randomElement(using: &rng)! }
                lines[l] = tokens.joined(separator: String(separator))
            case 2:
                if !tokens.isEmpty { tokens[Int.random(in: 0..<tokens.count, using: &rng)] = String(Int.random(in: -300...300, using: &rng)) }
                lines[l] = tokens.joined(separator: String(separator))
            case 3:
                if !tokens.isEmpty { tokens.remove(at: Int.random(in: 0..<tokens.count, using: &rng)) }
                lines[l] = tokens.joined(separator: String(separator))
            case 4:
                tokens.insert(String(Int.random(in: 0...128, using: &rng)), at: Int.random(in: 0...tokens.count, using: &rng))
                lines[l] = tokens.joined(separator: String(separator))
            case 5: lines.remove(at: l)
            case 6: lines.insert(lines[l], at: l)
            case 7: lines.swapAt(l, Int.random(in: 0..<lines.count, using: &rng))
            case 8:
                var bytes = Array(lines[l].utf8)
                let special = Array("[]{}:-,#&*!|>'\"%@` \t.\r0123456789e".utf8)
                if Bool.random(using: &rng) || bytes.isEmpty {
                    bytes.insert(special.randomElement(using: &rng)!, at: Int.random(in: 0...bytes.count, using: &rng))
                } else {
                    bytes.remove(at: Int.random(in: 0..<bytes.count, using: &rng))
                }
                lines[l] = String(decoding: bytes, as: UTF8.self)
            default:
                let joined = lines.joined(separator: "\n")
                let cut = Int.random(in: 0...joined.utf8.count, using: &rng)
                lines = String(decoding: Array(joined.utf8.prefix(cut)), as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            }
        }
        return lines.joined(separator: "\n")
    }

    // MARK: Flow directions: no silent change of the drainage network

    /// The network a D8 text means, read independently of `EsriAsciiGrid` (Swift's
    /// `split` and `Int`/`Double` parsers): downstream raster index of each active raster
    /// index (-1 for an outlet), or nil when the text is not a valid grid for `mask`.
    static func independentNetwork(_ text: String, mask: Raster<Double>) -> [Int: Int]? {
        let lines = text.split(omittingEmptySubsequences: true, whereSeparator: { $0 == "\n" })
            .map { $0.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" }) }.filter { !$0.isEmpty }
        let keys: Set<String> = ["ncols", "nrows", "xllcorner", "yllcorner", "xllcenter", "yllcenter", "cellsize", "nodata_value"]
        var header: [String: Double] = [:]
        var k = 0
        while k < lines.count, keys.contains(lines[k][0].lowercased()) {
            guard lines[k].count == 2, header[lines[k][0].lowercased()] == nil, let v = Double(lines[k][1]) else { return nil }
            header[lines[k][0].lowercased()] = v
            k += 1
        }
        guard let rows = header["nrows"].flatMap({ Int(exactly: $0) }), let columns = header["ncols"].flatMap({ Int(exactly: $0) }),
              rows == mask.rows, columns == mask.columns else { return nil }
        let data = lines[k...]
        guard data.count == rows, data.allSatisfy({ $0.count == columns }) else { return nil }
        var codes: [Int?] = []
        for row in data {
            for token in row {
                guard let v = Double(token), v.isFinite, v == v.rounded() else { return nil }
                codes.append(header["nodata_value"] == v ? nil : Int(exactly: v))
            }
        }
        let offsets: [Int: (Int, Int)] = [0: (0, 0), 1: (0, 1), 2: (1, 1), 4: (1, 0), 8: (1, -1), 16: (0, -1), 32: (-1, -1), 64: (-1, 0), 128: (-1, 1)]
        let active = (0..<(rows * columns)).filter { mask.hasData[$0] && mask.values[$0] != 0 }
        let isActive = Set(active)
        var downstream: [Int: Int] = [:]
        for i in active {
            guard let code = codes[i], let (dr, dc) = offsets[code] else { return nil }
            let r = i / columns + dr, c = i % columns + dc
            let j = r * columns + c
            downstream[i] = (dr, dc) == (0, 0) || r < 0 || r >= rows || c < 0 || c >= columns || !isActive.contains(j) ? -1 : j
        }
        return downstream
    }

    @Test func flowDirectionMutationsNeverChangeTheNetworkSilently() throws {
        let folder = IOTestData.repository.appending(path: "data/lez")
        let original = try String(contentsOf: folder.appending(path: "flwdir_esri.asc"), encoding: .utf8)
        let mask = try EsriAsciiGrid.read(folder.appending(path: "active_cell.asc"))
        let fixture = try CaseFixture()
        try CaseFixture.baseConfig.write(to: fixture.config, atomically: true, encoding: .utf8)
        let (accepted, refused) = try Self.fuzz("d8", iterations: 2000) { rng, i in
            let text = Self.mutate(original, separator: " ", &rng)
            let network: DrainageNetwork
            do {
                let raster = try EsriAsciiGrid.parse(text, file: "flwdir.asc", integers: true)
                network = try DrainageNetwork(flowDirections: raster, encoding: .esri, mask: mask, directionFile: "flwdir.asc", maskFile: "mask.asc")
            } catch let error as InputError {
                #expect(error.file.hasSuffix(".asc") && !error.message.isEmpty, "mutation \(i)")
                return false
            }
            let expected = try #require(Self.independentNetwork(text, mask: mask), "mutation \(i) accepted a grid its tokens do not make")
            let found = Dictionary(uniqueKeysWithValues: (0..<network.cellCount).map { c in
                (Int(network.rasterIndex[c]), network.downstream[c] < 0 ? -1 : Int(network.rasterIndex[Int(network.downstream[c])]))
            })
            #expect(found == expected, "mutation \(i): the network differs from the grid's tokens")
            // Every 50th accepted grid also goes through the whole case (`validate`'s path).
            if i % 50 == 0 {
                try text.write(to: fixture.folder.appending(path: "flwdir_esri.asc"), atomically: true, encoding: .utf8)
                // A header mutation (xllcorner) may put the grid off the mask's: refused, fine.
                let loadedCase: HydroCase
                do { loadedCase = try HydroCase.load(fixture.config) } catch let error as InputError {
                    #expect(!error.message.isEmpty)
                    return true
                }
                if let network = loadedCase.network {
                    let loaded = Dictionary(uniqueKeysWithValues: (0..<network.cellCount).map { c in
                        (Int(network.rasterIndex[c]), network.downstream[c] < 0 ? -1 : Int(network.rasterIndex[Int(network.downstream[c])]))
                    })
                    #expect(loaded == expected, "mutation \(i): the case's network differs from the grid's tokens")
                }
            }
            return true
        }
        #expect(accepted >= 20 && refused >= 20, "accepted \(accepted), refused \(refused)")
    }

    // MARK: YAML, CSV, NetCDF: refused with a named error or read, never a trap

    @Test func configMutations() throws {
        let base = CaseFixture.baseConfig
        let file = URL(fileURLWithPath: "/tmp/fuzz/case.yaml")
        let (accepted, refused) = try Self.fuzz("yaml", iterations: 3000) { rng, i in
            var text = Self.mutate(base, separator: " ", &rng)
            if Int.random(in: 0..<20, using: &rng) == 0 {
                let depth = Int.random(in: 1...5000, using: &rng)
                text += "\nextra: " + String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
            }
            do {
                _ = try CaseConfig.parse(text, file: file)
                return true
            } catch let error as InputError {
                #expect(error.file == file.path && !error.message.isEmpty, "mutation \(i)")
                return false
            }
        }
        #expect(accepted + refused >= 100 && refused >= 20, "accepted \(accepted), refused \(refused)")
    }

    @Test func dischargeCSVMutations() throws {
        let f = try CaseFixture()
        let url = f.folder.appending(path: "discharge.csv")
        let original = try String(contentsOf: url, encoding: .utf8)
        let (accepted, refused) = try Self.fuzz("csv", iterations: 1500) { rng, i in
            try Self.mutate(original, separator: ",", &rng).write(to: url, atomically: true, encoding: .utf8)
            let series: [TimeSeries]
            do { series = try DischargeFiles.readCSV(url, label: .end) } catch let error as InputError {
                #expect(error.file == url.path && !error.message.isEmpty, "mutation \(i)")
                return false
            }
            // Every 25th accepted file also goes through the whole case (plausibility checks).
            if i % 25 == 0, let e = try f.validate(CaseFixture.baseConfig).error {
                #expect(!e.file.isEmpty && !e.message.isEmpty)
            }
            return !series.isEmpty
        }
        #expect(accepted >= 5 && refused >= 20, "accepted \(accepted), refused \(refused)")
    }

    /// Byte mutations of the classic-format forcing file: in its header (dimensions,
    /// attributes, offsets), its time values and its data, and truncations.
    @Test func forcingNetCDFMutations() throws {
        let folder = IOTestData.temporaryFolder()
        let url = folder.appending(path: "forcing.nc")
        let original = try Data(contentsOf: IOTestData.repository.appending(path: "data/lez/forcing.nc"))
        let (accepted, refused) = try Self.fuzz("netcdf", iterations: 600) { rng, i in
            var bytes = [UInt8](original)
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                switch Int.random(in: 0..<6, using: &rng) {
                case 0, 1, 2: bytes[Int.random(in: 0..<min(bytes.count, 6000), using: &rng)] = UInt8.random(in: 0...255, using: &rng)
                case 3: bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
                case 4: bytes[Int.random(in: 0..<min(bytes.count, 6000), using: &rng)] ^= 1 << UInt8.random(in: 0...7, using: &rng)
                default: bytes.removeLast(Int.random(in: 1...max(1, bytes.count / 2), using: &rng))
                }
            }
            try Data(bytes).write(to: url)
            do {
                let g = try NetCDFForcingReader.read(url, variable: "prcp", quantity: .waterDepth)
                #expect(g.values.count == g.time.count * g.rows * g.columns, "mutation \(i)")
                return true
            } catch let error as InputError {
                #expect(error.file.hasPrefix(url.path) && !error.message.isEmpty, "mutation \(i)")
                return false
            }
        }
        #expect(accepted + refused >= 20 && refused >= 5, "accepted \(accepted), refused \(refused)")
    }
}

extension String {
    /// A hash that is the same in every run (Swift's `hashValue` is seeded per process).
    var hashValueStable: UInt64 {
        utf8.reduce(0xcbf2_9ce4_8422_2325) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }
    }
}
