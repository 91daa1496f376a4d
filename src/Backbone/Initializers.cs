namespace SsdLite.Backbone;

/// <summary>Weight initialisations of the reference implementation and torchvision.</summary>
public static class Initializers
{
    /// <summary>Conv: normal(0, sqrt(2/(k·k·out))) (kaiming normal, fan out), zero bias; BN: weight 1, bias 0; Linear: normal(0, 0.01).</summary>
    public static void ConvFanOutBatchNormUnit(nn.Module m)
    {
        using var noGrad = no_grad();
        switch (m)
        {
            case Conv2d c:
                nn.init.kaiming_normal_(c.weight, mode: nn.init.FanInOut.FanOut, nonlinearity: nn.init.NonlinearityType.ReLU);
                c.bias?.zero_();
                break;
            case BatchNorm bn:
                bn.weight!.fill_(1);
                bn.bias!.zero_();
                break;
            case Linear l:
                l.weight!.normal_(0, 0.01);
                l.bias?.zero_();
                break;
        }
    }

    /// <summary>Xavier-uniform conv weights, zero biases: the reference's initialisation of extras and heads.</summary>
    public static void XavierConvs(nn.Module root)
    {
        using var noGrad = no_grad();
        foreach (var (_, m) in root.named_modules())
        {
            if (m is Conv2d c)
            {
                nn.init.xavier_uniform_(c.weight);
                c.bias?.zero_();
            }
        }
    }
}
