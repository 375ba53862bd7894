/** Which instance a connection belongs to. `uuid` and `name` are known once discovery has seen it. */
export interface InstanceRef {
  /** `host:port` the client connects to. */
  readonly address: string;
  /** Picodata's instance uuid (`_pico_instance.uuid`): the identity picots keys instances by. */
  readonly uuid: string | undefined;
  /** Picodata's instance name, e.g. `default_1_1`. */
  readonly name: string | undefined;
}
