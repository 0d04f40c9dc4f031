// What one transaction changed, to tell the UI once it has committed (never
// before: an event about a rolled-back write would show something that is not
// stored).

export class Changes {
  readonly addedMessages = new Set<number>();
  readonly updatedMessages = new Set<number>();
  readonly conversations = new Set<string>();
  readonly members = new Set<string>();
  settings = false;

  messageAdded(id: number, conversationId: string): void {
    this.addedMessages.add(id);
    this.conversations.add(conversationId);
  }

  messageUpdated(id: number): void {
    if (!this.addedMessages.has(id)) this.updatedMessages.add(id);
  }

  conversation(id: string): void {
    this.conversations.add(id);
  }

  membersChanged(id: string): void {
    this.members.add(id);
    this.conversations.add(id);
  }

  get empty(): boolean {
    return this.addedMessages.size + this.updatedMessages.size + this.conversations.size + this.members.size === 0 && !this.settings;
  }
}
