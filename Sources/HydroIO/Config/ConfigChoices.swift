import HydroRegionalisation

/// Config choices that were strings, as enums: the parser maps the text once, and no string
/// comparison is left where they are used.

/// `regionalisation.activation`: the hidden layers' activation.
public enum ActivationChoice: String, Sendable, CaseIterable, Codable {
    case tanh, relu
    case leakyReLU = "leaky-relu"

    /// The network's activation (leaky ReLU with slope 0.01).
    public var hidden: HiddenActivation {
        switch self {
        case .tanh: .tanh
        case .relu: .relu
        case .leakyReLU: .leakyReLU(slope: 0.01)
        }
    }
}

/// `training.schedule`: Adam's learning-rate schedule.
public enum ScheduleChoice: String, Sendable, CaseIterable, Codable {
    /// The learning rate throughout.
    case constant
    /// Cosine from the learning rate to 1/100 of it over the iterations.
    case cosine
    /// Halved every iterations/4.
    case step
}
