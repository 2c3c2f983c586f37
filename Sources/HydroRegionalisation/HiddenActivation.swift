import RealModule
import HydroModel

/// The nonlinearity of the network's hidden layers (the output layer is always the identity,
/// because its values are raw parameters that `ParameterTransform` squashes into bounds).
///
/// Every derivative is written in terms of the activation's *output* `a = f(z)`, so the
/// backward pass needs only the stored activations, not the pre-activations. For ReLU and
/// leaky ReLU that fixes the derivative at the kink `z = 0` (where `a = 0`): 0 for ReLU,
/// `slope` for leaky ReLU. kernels/mlp.cl uses the same rules.
public enum HiddenActivation: Sendable, Codable, Equatable {
    case tanh
    case relu
    /// `z` for `z > 0`, `slope * z` otherwise; `slope` must be positive.
    case leakyReLU(slope: Double)

    /// The code kernels/mlp.cl switches on (`MLP_TANH`, `MLP_RELU`, `MLP_LEAKY_RELU`).
    public var kernelCode: Int32 {
        switch self {
        case .tanh: 0
        case .relu: 1
        case .leakyReLU: 2
        }
    }

    /// The leaky slope (0 for the others), as the kernels take it.
    public var slope: Double {
        if case .leakyReLU(let slope) = self { return slope }
        return 0
    }

    /// `f(z)`.
    @inlinable
    public func value<Real: Real_>(_ z: Real) -> Real {
        switch self {
        case .tanh: return Real.tanh(z)
        case .relu: return z > 0 ? z : 0
        case .leakyReLU(let slope): return z > 0 ? z : Real(slope) * z
        }
    }

    /// `f'(z)` from `a = f(z)`.
    @inlinable
    public func derivative<Real: Real_>(output a: Real) -> Real {
        switch self {
        case .tanh: return 1 - a * a
        case .relu: return a > 0 ? 1 : 0
        case .leakyReLU(let slope): return a > 0 ? 1 : Real(slope)
        }
    }
}
