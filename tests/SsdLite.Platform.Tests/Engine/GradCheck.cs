namespace SsdLite.Platform.Tests.Engine;

/// <summary>Compares autograd's gradient with central finite differences, in float64.</summary>
internal static class GradCheck
{
    public static void Check(Func<Tensor[], Tensor> f, params Tensor[] inputs)
    {
        using var scope = torch.NewDisposeScope();
        foreach (var x in inputs) x.requires_grad = true;
        // A fixed random projection turns any output into a scalar whose gradient exercises every element.
        var output = f(inputs);
        torch.manual_seed(7);
        var w = torch.randn(output.shape, ScalarType.Float64);
        var loss = (output * w).sum();
        loss.backward();
        for (var k = 0; k < inputs.Length; k++)
        {
            var analytic = inputs[k].grad!.data<double>();
            var numeric = Numeric(f, inputs, k, w);
            for (var i = 0; i < analytic.Length; i++)
            {
                var tol = 1e-6 + 1e-5 * Math.Abs(numeric[i]);
                Assert.True(Math.Abs(analytic[i] - numeric[i]) <= tol,
                    $"input {k} element {i}: autograd {analytic[i]}, finite differences {numeric[i]}");
            }
        }
    }

    private static double[] Numeric(Func<Tensor[], Tensor> f, Tensor[] inputs, int k, Tensor w)
    {
        const double eps = 1e-6;
        var x = inputs[k];
        var values = x.data<double>();
        var result = new double[values.Length];
        using var _ = torch.no_grad();
        for (var i = 0; i < values.Length; i++)
        {
            result[i] = (Evaluate(f, inputs, k, values, i, eps, w) - Evaluate(f, inputs, k, values, i, -eps, w)) / (2 * eps);
        }
        x.CopyFrom<double>(values);
        return result;
    }

    private static double Evaluate(Func<Tensor[], Tensor> f, Tensor[] inputs, int k, double[] values, int i, double delta, Tensor w)
    {
        using var scope = torch.NewDisposeScope();
        var shifted = (double[])values.Clone();
        shifted[i] += delta;
        inputs[k].CopyFrom<double>(shifted);
        return (f(inputs) * w).sum().item();
    }
}
