namespace SsdLite.Tools;

internal static class Program
{
    private static int Main(string[] args)
    {
        Console.Error.WriteLine("ssdlite: no commands yet");
        return args.Length == 0 ? 0 : 2;
    }
}
