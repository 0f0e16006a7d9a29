"""A REST gateway over mcpclient serving LibreChat's, PandoraKit's and Aeontel's MCP server APIs (see README.md)."""
