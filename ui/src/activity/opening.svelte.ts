// The event to show when Activity opens: set when the cardholder clicks a desktop notification
// (the backend's `open_event`), taken by the Activity screen, which opens its detail.
import { ipc } from '../ipc';

class Opening {
  eventId = $state<string | null>(null);

  /** The pending event, once: the screen that shows it clears it. */
  take(): string | null {
    const id = this.eventId;
    this.eventId = null;
    return id;
  }

  /** Follows `open_event` for the window's lifetime: Activity, on that event. */
  listen(): () => void {
    let stop: (() => void) | undefined;
    let gone = false;
    void ipc
      .listen('open_event', ({ eventId }) => {
        this.eventId = eventId;
        window.location.hash = '#/activity';
      })
      .then((unlisten) => {
        if (gone) unlisten();
        else stop = unlisten;
      });
    return () => {
      gone = true;
      stop?.();
    };
  }
}

export const opening = new Opening();
