public import MCPClientCore

extension EventLoop: Scheduler {}
