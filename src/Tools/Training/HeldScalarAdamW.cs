namespace SsdLite.Tools.Training;

/// <summary>
/// TorchSharp's AdamW (decoupled weight decay, optional AMSGrad) with the same update in the same op order, its
/// numbers passed as <see cref="HeldScalars"/> for the reason <see cref="HeldScalarSgd"/> gives. Its state is
/// TorchSharp's <see cref="AdamW.State"/>.
/// </summary>
public sealed class HeldScalarAdamW(IEnumerable<Parameter> parameters, double lr, double beta1 = 0.9, double beta2 = 0.999,
    double eps = 1e-8, double weightDecay = 0, bool amsgrad = false, bool maximize = false)
    : AdamW(parameters, lr, beta1, beta2, eps, weightDecay, amsgrad, maximize)
{
    public override Tensor step(Func<Tensor>? closure = null) => _step<ParamGroup>(group =>
    {
        var options = (Options)group.Options;
        using var scalars = new HeldScalars();
        var beta1 = options.beta1!.Value;
        var beta2 = options.beta2!.Value;
        var lr = options.LearningRate!.Value;
        var shrink = scalars.Of(1 - (lr * options.weight_decay!.Value));
        var keepMean = scalars.Of(beta1);
        var keepSquare = scalars.Of(beta2);
        var blendMean = scalars.Of(1 - beta1);
        var blendSquare = scalars.Of(1 - beta2);
        var eps = scalars.Of(options.eps!.Value);
        foreach (var param in group.Parameters)
        {
            var grad = param.grad;
            if (grad is null) continue;
            if (options.maximize!.Value) grad = grad.neg();
            var state = (State)_state[param.Handle];
            state.step += 1;
            param.mul_(shrink);
            var correction1 = 1 - Math.Pow(beta1, state.step);
            var correction2 = 1 - Math.Pow(beta2, state.step);
            state.exp_avg.mul_(keepMean).add_(grad, blendMean);
            state.exp_avg_sq.mul_(keepSquare).addcmul_(grad, grad, blendSquare);
            var second = state.exp_avg_sq;
            if (options.amsgrad!.Value)
            {
                var previous = state.max_exp_avg_sq;
                state.max_exp_avg_sq = maximum(previous, state.exp_avg_sq).DetachFromDisposeScope();
                previous.Dispose();
                second = state.max_exp_avg_sq;
            }
            var denominator = second.sqrt().div(scalars.Of(Math.Sqrt(correction2))).add_(eps);
            param.addcdiv_(state.exp_avg, denominator, scalars.Of(-(lr / correction1)));
        }
    }, closure);
}
