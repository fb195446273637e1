import mongoose, { Schema } from 'mongoose';

/** Returns the connection's model, defining it on first use (models are per connection, not global). */
export function modelOn<T>(connection: mongoose.Connection, name: string, schema: Schema<T>): mongoose.Model<T> {
  return (connection.models[name] as mongoose.Model<T> | undefined) ?? connection.model<T>(name, schema);
}

export interface Address {
  line?: string;
  locality?: string;
  areaCode?: string;
  regionCode?: string;
  country?: string;
}

export const addressSchema = new Schema<Address>(
  { line: String, locality: String, areaCode: String, regionCode: String, country: String },
  { _id: false },
);
