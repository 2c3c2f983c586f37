import Foundation
import HydroGPU

/// Small deterministic HBV problems in Double for adjoint-vs-finite-difference checks, built so
/// the loss is smooth at the chosen point: temperatures stay >= 2 degC away from TT (no rain/snow
/// switch, no melt or refreeze onset), parameters sit inside their bounds, and every process is
/// active somewhere (cold spell with snow, thaw/freeze cycles for melt, refreeze and retention,
/// storms that push SM over FC and SUZ over UZL, capillary rise when C is given).
enum SyntheticHBV {
    enum Temporal { case constant, monthly, dynamic }

    /// Pseudo-random in [0, 1), deterministic.
    static func noise(_ i: Int, _ j: Int) -> Double {
        let x = sin(Double(i) * 12.9898 + Double(j) * 78.233) * 43758.5453
        return x - x.rounded(.down)
    }

    static let central: [HBVParameter: Double] = [
        .beta: 2.2, .fc: 110, .k0: 0.3, .k1: 0.12, .k2: 0.04, .lp: 0.6, .perc: 1.6, .uzl: 8,
        .tt: 0.2, .cfmax: 2.5, .cfr: 0.05, .cwh: 0.1, .betaet: 1.4, .c: 0.3,
        // Precipitation corrections away from 1, so their derivatives are checked.
        .rfcf: 1.0, .sfcf: 1.0,
    ]
    /// Central values of the parameters of processes off by default (given with
    /// `offByDefault: true`): a gaining store-dependent exchange.
    static let centralOffByDefault: [HBVParameter: Double] = [.gx: 0.6, .gxref: 40, .gxpow: 2.5,
                                                              // `runoffExchange: true`: a gaining runoff exchange.
                                                              .exchangeFactor: 1.3,
                                                              // `glacier: true`: a glacier on part of each unit.
                                                              .gfrac: 0.4, .cfice: 1.8, .ttg: 0.3]

    static func forcing(steps: Int, cells: Int) -> HBVForcing<Double> {
        var p = [Double](), t = [Double](), pet = [Double]()
        for s in 0..<steps {
            for c in 0..<cells {
                let temperature: Double
                switch s {
                case ..<25: temperature = -4 - 3 * noise(s, c)                  // cold: snow
                case ..<45: temperature = s % 3 == 0 ? -3 - noise(s, c) : 3 + 2 * noise(s, c)   // thaw/freeze cycles
                default: temperature = 6 + 8 * noise(s, c + 7)                  // warm
                }
                var rain = noise(s, c + 3) < 0.35 ? 0 : 1 + 8 * noise(s, c + 11)
                if s == 60 || s == 61 || s == 75 { rain = 45 + 10 * Double(c) }  // storms: excess and Q0
                p.append(rain)
                t.append(temperature)
                pet.append(0.5 + 3 * noise(s, c + 19))
            }
        }
        return HBVForcing(steps: steps, cells: cells, precipitation: p, temperature: t, pet: pet)
    }

    /// `offByDefault` adds the groundwater exchange, `glacier` the glacier, `runoffExchange` the
    /// runoff exchange (processes off by default).
    /// `seed` moves the parameter jitter: the way to step off a point where a branch switches
    /// within the finite-difference step (the FD check reports such points).
    static func problem(steps: Int = 96, cells: Int = 2, components: Int = 2, temporal: Temporal = .constant,
                        stepDays: Double = 1, usesETExponent: Bool = true, capillaryRise: Bool = true,
                        offByDefault: Bool = false, glacier: Bool = false, runoffExchange: Bool = false,
                        seed: Int = 0) -> RunoffProblem<Double> {
        let units = cells * components
        var parameters: [HBVParameter: ParameterSeries<Double>] = [:]
        for parameter in HBVParameter.allCases {
            if parameter == .c && !capillaryRise { continue }
            if ElevationCorrection.parameters.contains(parameter) { continue }   // not read by the solvers
            if parameter == .betaet && !usesETExponent { continue }
            if !parameter.process.isOnByDefault && !(offByDefault && parameter.process == .groundwaterExchange)
                && !(glacier && parameter.process == .glacier) && !(runoffExchange && parameter.process == .runoffExchange) { continue }
            let slots: Int, slotOfStep: [Int32]
            switch temporal {
            case .constant: slots = 1; slotOfStep = [Int32](repeating: 0, count: steps)
            case .monthly: slots = 12; slotOfStep = (0..<steps).map { Int32(($0 / 8) % 12) }
            case .dynamic: slots = steps; slotOfStep = (0..<steps).map(Int32.init)
            }
            let lo = parameter.bounds.lower
            var values = [Double]()
            for slot in 0..<slots {
                for unit in 0..<units {
                    // +-20 % of the distance to the lower bound (stays inside the bounds), different
                    // per unit and slot; TT only +-0.1 degC so T stays >= 2 degC from it.
                    let r = noise(slot + 101 + 37 * seed, unit + 13 * parameter.rawValue) - 0.5
                    let c = central[parameter] ?? centralOffByDefault[parameter]!
                    values.append(parameter == .tt ? c + 0.2 * r : lo + (c - lo) * (1 + 0.4 * r))
                }
            }
            parameters[parameter] = ParameterSeries(slots: slots, units: units, values: values, slotOfStep: slotOfStep)
        }
        var initial = [Double]()
        let start: [HBVStorage: Double] = [.snowpack: 15, .meltwater: 0.8, .soilMoisture: 60, .upperZone: 6, .lowerZone: 25, .ice: 40]
        for (i, storage) in HBVStorage.allCases.enumerated() {
            for unit in 0..<units { initial.append(start[storage]! * (1 + 0.1 * noise(i, unit))) }
        }
        return RunoffProblem(configuration: HBVConfiguration(components: components, stepDays: stepDays, usesETExponent: usesETExponent),
                             forcing: forcing(steps: steps, cells: cells), parameters: parameters, initialStates: initial)
    }

    /// Fixed loss weights: L = sum_i w_i runoff_i (a linear functional exercises every path the
    /// runoff adjoint feeds; RMSE and routing have their own tests).
    static func lossWeights(_ count: Int) -> [Double] { (0..<count).map { 0.5 + noise($0, 977) } }
}
