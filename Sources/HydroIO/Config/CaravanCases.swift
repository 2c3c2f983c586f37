import Foundation
import HydroDomain

/// The cases of a Caravan multi-case config: one case config (`case:`) run for each basin of a
/// Caravan folder (`caravan: {folder:, basins: [...]}` or `{folder:, source: camels}` for all
/// basins of a source), each named by its basin id.
///
/// ```yaml
/// name: caravan-camels
/// caravan: {folder: /data/Caravan, basins: [camels_01022500, camels_01013500]}
/// case: basin.yaml            # time, periods, model, parameters (some spatial: network); its caravan: basin is replaced
/// regionalisation: {descriptors: [p_mean, aridity, area], hidden: [8]}   # Caravan attributes
/// training: {optimizer: lbfgs, iterations: 100}
/// ```
enum CaravanCases {
    static func parse(_ value: YAMLValue, template: YAMLValue, parser: CaseConfigParser) throws(InputError) -> [CaseConfig] {
        let m = try value.mapping(allowed: ["folder", "basins", "source"])
        let folder = try parser.path(try m.required("folder"))
        var basins: [String]
        if let list = m["basins"] {
            guard m["source"] == nil else { throw list.error("give basins or source, not both") }
            basins = try list.sequence().map { v throws(InputError) in try v.string() }
            guard !basins.isEmpty else { throw list.error("needs at least one basin") }
        } else {
            let source = try m.required("source").string()
            basins = try CaravanBasin.basins(in: folder, source: source)
            guard !basins.isEmpty else { throw m["source"]!.error("no basin in \(folder.path)/timeseries/csv/\(source)") }
        }
        if let repeated = Dictionary(grouping: basins, by: { $0 }).first(where: { $0.value.count > 1 })?.key {
            throw value.error("basin '\(repeated)' is listed twice")
        }
        let url = try parser.path(template)
        guard FileManager.default.fileExists(atPath: url.path) else { throw template.error("case config \(url.path) does not exist") }
        let text = try CaseConfig.readText(url)
        var cases: [CaseConfig] = []
        for b in basins {
            let p = CaseConfigParser(file: URL(fileURLWithPath: url.absoluteURL.path).standardizedFileURL, caravanOverride: CaravanBasin(folder: folder, basin: b))
            cases.append(try p.parse(text))
        }
        return cases
    }
}
