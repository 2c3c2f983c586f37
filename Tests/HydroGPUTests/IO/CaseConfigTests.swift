import Foundation
import HydroGPU
import Testing

@Suite("CaseConfig parsing")
struct CaseConfigTests {
    @Test func shippedLezConfigParsesWithPathsFromItsFolder() throws {
        let c = try CaseConfig.load(IOTestData.config("lez"))
        #expect(c.name == "lez")
        #expect(c.domain.flowDirection?.file.path == IOTestData.repository.appending(path: "data/lez/flwdir_esri.asc").standardized.path)
        #expect(c.domain.encoding == .esri)
        #expect(c.domain.descriptors.map(\.name) == ["slope", "drainage_density", "karst", "woodland", "urban", "soil_water_storage"])
        #expect(c.time.stepSeconds == 86_400)
        #expect(c.time.start == CivilTime(2012, 8, 1) && c.time.end == CivilTime(2013, 7, 31))
        // A date alone as a period end means the end of that day.
        #expect(c.periods.warmup == Period(name: "warmup", start: CivilTime(2012, 8, 1), end: CivilTime(2012, 10, 1), line: c.periods.warmup?.line))
        #expect(c.gauges.map(\.id) == ["Y3204040", "Y3204030", "Y3204010"])
        #expect(c.gauges[0].row == 26 && c.gauges[0].column == 12 && c.gauges[0].areaKm2 == 169)
        #expect(c.gauges[0].observed?.format == .csv && c.gauges[0].observed?.label == .end)
        #expect(c.model == ModelOptions(solver: .sequential, snow: false, routing: .d8, components: 1))
        #expect(c.output.fields == ["runoff", "soil_moisture"] && c.output.parameterMaps)
    }

    @Test func unknownKeyNamesKeyAndLine() {
        let text = "name: x\ndomain:\n  lumped: {area_km2: 10}\n  colour: blue\n"
        let e = #expect(throws: InputError.self) { try CaseConfig.parse(text, file: URL(fileURLWithPath: "/cases/x.yaml")) }
        #expect(e?.file == "/cases/x.yaml" && e?.line == 4)
        #expect(e?.place == "key 'domain.colour'")
        #expect(e?.message.hasPrefix("unknown key 'colour'") == true)
    }

    @Test func wrongTypeNamesKeyAndLine() {
        let text = """
        domain: {lumped: {area_km2: 10}}
        time: {step: 1d}
        forcing:
          precipitation: {file: p.txt, variable: prcp}
          pet: {file: p.txt, variable: pet}
        model:
          components: two
        """
        let e = #expect(throws: InputError.self) { try CaseConfig.parse(text, file: URL(fileURLWithPath: "/c/y.yaml")) }
        #expect(e?.description == "/c/y.yaml, line 7, key 'model.components': expected a whole number, found 'two'")
    }

    @Test func stepLengthsAndHargreavesRequirements() throws {
        let base = "domain: {lumped: {area_km2: 10}}\nforcing:\n  precipitation: {file: p.txt, variable: prcp}\n"
        let c = try CaseConfig.parse(base + "  pet: {file: p.txt, variable: pet}\ntime: {step: 3h}\n", file: URL(fileURLWithPath: "/c/a.yaml"))
        #expect(c.time.stepSeconds == 10_800)
        #expect(c.forcing.precipitation.file.path == "/c/p.txt" && c.forcing.precipitation.format == .camels)
        let e = #expect(throws: InputError.self) {
            try CaseConfig.parse(base + "  pet_method: hargreaves\n  tmin: {file: p.txt, variable: tmin}\ntime: {step: 1d}\n", file: URL(fileURLWithPath: "/c/a.yaml"))
        }
        #expect(e?.place == "key 'forcing.tmax'" && e?.message == "is required for pet_method hargreaves")
        let s = #expect(throws: InputError.self) {
            try CaseConfig.parse(base + "  pet: {file: p.txt, variable: pet}\ntime: {step: 1d}\nmodel: {snow: true}\n", file: URL(fileURLWithPath: "/c/a.yaml"))
        }
        #expect(s?.place == "key 'model.snow'" && s?.line == 6)
    }
}
