/**
 * What the domain needs from storage. Domain modules and routes see only this interface; which
 * database sits underneath (embedded SQLite, or PostgreSQL in the scale-out mode) is the store's
 * business alone. Every method is async so both engines fit the same shape.
 */
import type { Household, HouseholdInput } from '../households/household.ts';
import type { Photo } from '../photos/photo.ts';
import type { Product, ProductInput, ProductPatch } from '../products/product.ts';
import type { Room, RoomLimits, RoomInput, RoomPatch } from '../rooms/room.ts';

export interface Page {
  limit: number;
  offset: number;
}

/** A new room as stored: defaults already applied by the domain. */
export interface NewRoom extends Omit<RoomInput, 'limits'> {
  overlayToken: string;
  limits: RoomLimits;
}

export interface StoredRoomPatch extends Omit<RoomPatch, 'limits'> {
  limits?: RoomLimits;
  overlayToken?: string;
}

export interface Store {
  readonly dialect: 'sqlite' | 'postgres';

  households: {
    create(input: HouseholdInput): Promise<Household>;
    list(page: Page): Promise<Household[]>;
    get(id: number): Promise<Household | undefined>;
    /** Throws HOUSEHOLD_NOT_FOUND. */
    update(id: number, patch: Partial<HouseholdInput>): Promise<Household>;
    /** Throws HOUSEHOLD_NOT_FOUND, or HOUSEHOLD_IN_USE while it supplies a product or has ledger entries. */
    remove(id: number): Promise<void>;
  };

  products: {
    /** Throws PRODUCT_CODE_TAKEN or SOURCE_HOUSEHOLD_UNKNOWN, writing nothing. */
    create(input: ProductInput): Promise<Product>;
    list(page: Page): Promise<Product[]>;
    get(id: number): Promise<Product | undefined>;
    getByCode(code: string): Promise<Product | undefined>;
    /** Replaces the sources when `patch.sources` is given. Throws as `create`, or PRODUCT_NOT_FOUND. */
    update(id: number, patch: ProductPatch): Promise<Product>;
    /** Throws PRODUCT_NOT_FOUND, or PRODUCT_IN_USE once it has orders. */
    remove(id: number): Promise<void>;
    /** Stores the photo (deduplicated by id) and points the product at it; null clears. */
    setPhoto(id: number, photo: Photo | null): Promise<Product>;
  };

  photos: {
    get(id: string): Promise<Photo | undefined>;
  };

  rooms: {
    create(input: NewRoom): Promise<Room>;
    list(page: Page): Promise<Room[]>;
    get(id: number): Promise<Room | undefined>;
    /** Throws ROOM_NOT_FOUND. */
    update(id: number, patch: StoredRoomPatch): Promise<Room>;
  };

  settings: {
    get(key: string): Promise<string | undefined>;
    /** Stores `value` unless the key is already set; returns what is stored either way. */
    setIfAbsent(key: string, value: string): Promise<string>;
  };

  /** Finishes pending writes and closes the database. */
  close(): Promise<void>;
}
