/// <summary>Lets tests host the server (<c>WebApplicationFactory&lt;Program&gt;</c>) or start its entry point.</summary>
public partial class Program;
