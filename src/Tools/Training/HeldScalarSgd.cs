namespace SsdLite.Tools.Training;

/// <summary>
/// TorchSharp's SGD (momentum, dampening, L2 weight decay, Nesterov) with the same update, in the same op order, but
/// with its numbers passed as <see cref="HeldScalars"/>: TorchSharp's own step converts them to temporary Scalars per
/// parameter per step, which the finalizer thread can free during the native call (a crash seen mid-training). Its
/// state is TorchSharp's <see cref="SGD.State"/>, so checkpoints and <see cref="OptimizerState"/> are unchanged.
/// </summary>
public sealed class HeldScalarSgd(IEnumerable<Parameter> parameters, double lr, double momentum = 0, double dampening = 0,
    double weightDecay = 0, bool nesterov = false, bool maximize = false)
    : SGD(parameters, lr, momentum, dampening, weightDecay, nesterov, maximize)
{
    public override Tensor step(Func<Tensor>? closure = null) => _step<ParamGroup>(group =>
    {
        var options = (Options)group.Options;
        using var scalars = new HeldScalars();
        var momentum = options.momentum!.Value;
        var weightDecay = options.weight_decay!.Value;
        var nesterov = options.nesterov!.Value;
        var lr = options.LearningRate!.Value;
        var decay = scalars.Of(weightDecay);
        var keep = scalars.Of(momentum);
        var blend = scalars.Of(1 - options.dampening!.Value);
        var rate = scalars.Of(options.maximize!.Value ? lr : -lr);
        foreach (var param in group.Parameters)
        {
            var grad = param.grad;
            if (grad is null) continue;
            if (weightDecay != 0) grad = grad.add(param, decay);
            if (momentum != 0)
            {
                var state = (State)_state[param.Handle];
                var buffer = state.momentum_buffer;
                if (buffer is null) state.momentum_buffer = buffer = grad.clone().detach().DetachFromDisposeScope();
                else buffer.mul_(keep).add_(grad, blend);
                grad = nesterov ? grad.add(buffer, keep) : buffer;
            }
            param.add_(grad, rate);
        }
    }, closure);
}
