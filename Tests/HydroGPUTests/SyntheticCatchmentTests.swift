import HydroGPU
import Testing

struct SyntheticCatchmentTests {
    @Test func everyCellDrainsToTheOutletWithoutCycles() {
        let terrain = SyntheticTerrain(rows: 24, columns: 17, seed: 42)
        let offsets = Dictionary(uniqueKeysWithValues: SyntheticTerrain.esriNeighbours.map { ($0.code, ($0.dr, $0.dc)) })
        for start in 0..<(terrain.rows * terrain.columns) {
            var r = start / terrain.columns, c = start % terrain.columns
            var steps = 0
            while terrain.flowDirection[r * terrain.columns + c] != 0 {
                let (dr, dc) = offsets[terrain.flowDirection[r * terrain.columns + c]]!
                let before = terrain.elevation[r * terrain.columns + c]
                r += dr; c += dc
                #expect(terrain.elevation[r * terrain.columns + c] < before, "flow must go downhill")
                steps += 1
                if steps > terrain.rows * terrain.columns { break }
            }
            #expect(r == terrain.outlet.row && c == terrain.outlet.column, "cell \(start) ends at (\(r), \(c))")
        }
    }

    @Test func sameSeedSameCatchmentOtherSeedOther() {
        #expect(SyntheticTerrain(rows: 8, columns: 8, seed: 1).elevation == SyntheticTerrain(rows: 8, columns: 8, seed: 1).elevation)
        #expect(SyntheticTerrain(rows: 8, columns: 8, seed: 1).elevation != SyntheticTerrain(rows: 8, columns: 8, seed: 2).elevation)
    }

    @Test func forcingHasSeasonsStormsAndLapseRate() {
        let elevation: [Double] = [300, 1300]
        let f = SyntheticForcing(steps: 730, elevation: elevation, seed: 3)
        func mean(_ values: [Double], days: ClosedRange<Int>, cell: Int) -> Double {
            let picked = (0..<730).filter { days.contains($0 % 365) }.map { values[$0 * 2 + cell] }
            return picked.reduce(0, +) / Double(picked.count)
        }
        #expect(mean(f.temperature, days: 180...220, cell: 0) > mean(f.temperature, days: 0...40, cell: 0) + 10)
        // 1000 m higher is 6.5 °C colder on every day.
        for t in 0..<730 { #expect(abs(f.temperature[t * 2] - f.temperature[t * 2 + 1] - 6.5) < 1e-9) }
        let dryDays = (0..<730).filter { f.precipitation[$0 * 2] == 0 }.count
        #expect(dryDays > 200 && dryDays < 600)
        #expect(f.precipitation.max()! > 20, "storms must produce heavy days")
        #expect(f.precipitation.allSatisfy { $0 >= 0 } && f.pet.allSatisfy { $0 >= 0 })
    }
}
