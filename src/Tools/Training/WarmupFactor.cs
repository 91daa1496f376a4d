namespace SsdLite.Tools.Training;

/// <summary>
/// The learning-rate factor of a linear warm-up: from <c>startFactor</c> to 1 over <c>warmupSteps</c>, then the
/// given schedule counted from the warm-up's end. TorchSharp's LambdaLR applies it to the initial rate.
/// </summary>
public static class WarmupFactor
{
    public static Func<int, double> Of(int warmupSteps, double startFactor, Func<int, double> after)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(warmupSteps);
        return step => step < warmupSteps ? startFactor + (1 - startFactor) * step / warmupSteps : after(step - warmupSteps);
    }
}
