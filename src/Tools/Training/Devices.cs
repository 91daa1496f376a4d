namespace SsdLite.Tools.Training;

/// <summary>Parses --device and refuses a CUDA device this TorchSharp build cannot reach, saying how to get one.</summary>
public static class Devices
{
    public static Device Resolve(string name)
    {
        Device device;
        try
        {
            device = new Device(name);
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            throw new ConfigException($"--device {name}: not a device (use cpu, cuda or cuda:N)");
        }
        if (device.type == DeviceType.CUDA && !cuda.is_available())
            throw new ConfigException($"--device {name}: no usable CUDA device; this build references TorchSharp-cpu " +
                "(build with -p:SsdLiteCuda=true on a machine with an NVIDIA driver, see docs/gpu.md)");
        return device;
    }
}
