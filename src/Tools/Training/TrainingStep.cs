using SsdLite.Detection;
using SsdLite.Detection.Models;

namespace SsdLite.Tools.Training;

/// <summary>The arithmetic a training step's forward pass runs in.</summary>
public enum TrainPrecision
{
    /// <summary>float32 throughout (the default).</summary>
    Fp32,

    /// <summary>
    /// libtorch's CPU autocast to bfloat16: convolutions run in bfloat16 on float32 master weights; BatchNorm
    /// statistics, the loss, the gradients and the optimizer stay float32.
    /// </summary>
    Bf16,
}

/// <summary>
/// The phases of one training step, in the trainer's order, as separate calls so that <c>ssdlite bench</c> times
/// exactly the step <c>ssdlite train</c> runs (and can time each phase): <see cref="Forward"/>,
/// <see cref="Loss"/>, <see cref="Backward"/> (zero_grad + backward) and <see cref="Update"/> (the optimizer).
/// The caller owns the dispose scope around them.
/// </summary>
public sealed class TrainingStep
{
    private readonly SsdLiteModel model;
    private readonly OptimizerHelper optimizer;
    private readonly MultiBoxLoss loss = new();

    public TrainingStep(SsdLiteModel model, OptimizerHelper optimizer, TrainPrecision precision)
    {
        if (precision == TrainPrecision.Bf16) CpuAutocast.EnsureSupported();
        this.model = model;
        this.optimizer = optimizer;
        Precision = precision;
    }

    public TrainPrecision Precision { get; }

    /// <summary>The network's outputs as float32 (cast back from bfloat16 under <see cref="TrainPrecision.Bf16"/>).</summary>
    public HeadOutputs Forward(Tensor input)
    {
        if (Precision == TrainPrecision.Fp32) return model.forward(input);
        HeadOutputs outputs;
        using (CpuAutocast.Enter())
        {
            outputs = model.forward(input);
        }
        // The loss's log-softmax, hard-negative ranking and sums run in float32, as autocast would run them.
        return new HeadOutputs(outputs.Confidences.to(ScalarType.Float32), outputs.Locations.to(ScalarType.Float32));
    }

    public MultiBoxLossParts Loss(HeadOutputs outputs, Tensor labels, Tensor gtLocations) =>
        loss.Compute(outputs.Confidences, outputs.Locations, labels, gtLocations);

    public void Backward(Tensor total)
    {
        optimizer.zero_grad();
        total.backward();
    }

    public void Update() => optimizer.step();
}
